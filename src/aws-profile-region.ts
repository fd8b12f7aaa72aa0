import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The `region` of the AWS profile (`AWS_PROFILE`, else `default`) in the shared credentials file,
 * else in the shared config file: the places the AWS SDK v3's region provider reads after
 * `AWS_REGION` (@smithy/core's NODE_REGION_CONFIG_OPTIONS, credentials file preferred), before it
 * asks the EC2 instance metadata service. It never reads `AWS_DEFAULT_REGION`. Read at start, so a
 * region from neither place is a setting error then instead of a 500 on the first image.
 */
export function awsProfileRegion(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HOME || homedir();
  const profile = env.AWS_PROFILE || 'default';
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const config = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  // The config file names a profile `[profile name]`, the credentials file `[name]`; both take `[default]`.
  return (
    iniValue(credentials, [profile], 'region') ??
    iniValue(config, profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`], 'region')
  );
}

/** `key`'s value in the first of `sections` of an INI file that has it; undefined for a file that cannot be read. */
function iniValue(path: string, sections: string[], key: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) inSection = sections.includes(header[1]!.replace(/\s+/g, ' '));
    else if (inSection) {
      const entry = /^([^=#;]+?)\s*=\s*(.*)$/.exec(line);
      if (entry && entry[1] === key && entry[2] !== '') return entry[2];
    }
  }
  return undefined;
}
