import { validation } from './errors.js';
import { SCOPES, type Scope, type Shop } from './entities.js';
import { generateToken, hashToken } from './auth-service.js';
import type { Clock, ShopRepository, TokenRepository } from './ports.js';

const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Store and token administration, used by the CLI. */
export class ShopService {
  constructor(
    private readonly shops: ShopRepository,
    private readonly tokens: TokenRepository,
    private readonly clock: Clock,
  ) {}

  async create(subdomain: string, name?: string): Promise<Shop> {
    if (!SUBDOMAIN.test(subdomain)) {
      throw validation(['Subdomain must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen']);
    }
    if (await this.shops.find(subdomain)) throw validation([`Subdomain ${subdomain} is already taken`]);
    return this.shops.create({ subdomain, name: name ?? subdomain }, this.clock());
  }

  /** The store, created when missing: for set-up scripts that run more than once. */
  async ensure(subdomain: string, name?: string): Promise<Shop> {
    return (await this.shops.find(subdomain)) ?? this.create(subdomain, name);
  }

  list(): Promise<Shop[]> {
    return this.shops.list();
  }

  async setActive(subdomain: string, active: boolean): Promise<Shop> {
    const shop = await this.shops.setActive(subdomain, active, this.clock());
    if (!shop) throw validation([`No store with subdomain ${subdomain}`]);
    return shop;
  }

  /** Returns the token in clear; only its hash is kept, so this is the one time it is shown. */
  async createToken(subdomain: string, scopes: readonly string[]): Promise<{ token: string; shop: Shop; scopes: Scope[] }> {
    const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0 || scopes.length === 0) {
      throw validation([`Scopes must be a comma-separated list of ${SCOPES.join(', ')}; got "${scopes.join(',')}"`]);
    }
    const shop = await this.shops.find(subdomain);
    if (!shop) throw validation([`No store with subdomain ${subdomain}`]);
    const token = generateToken();
    const unique = [...new Set(scopes)] as Scope[];
    await this.tokens.create(shop.id, hashToken(token), unique, this.clock());
    return { token, shop, scopes: unique };
  }
}
