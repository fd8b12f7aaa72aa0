// Types of nginx-conf.mjs, for the TypeScript tests that import it.
export declare const NGINX_CONF: string;
export declare function localNginxConf(upstream: string, port: number, work: string): string;
