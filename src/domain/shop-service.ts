import { recordNotFound, unauthorized, validation } from './errors.js';
import { readShopDetails, type ShopDetails } from './shop-details.js';
import type { Shop } from './entities.js';
import { generateToken, hashToken } from './auth-service.js';
import type { ImageFiles } from './image-files.js';
import type { Clock, ShopRepository, TokenRepository, TokenSummary } from './ports.js';
import { knownScopes, unknownScopes, unknownScopesProblem } from './scopes.js';
import { newTokenPublicId, TOKEN_PUBLIC_ID } from './token-public-id.js';

/** What `prodimg shops create` may set; the rest is made from these or from defaults. */
export type NewShop = Partial<ShopDetails> & { name?: string };

const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Store and token administration, used by the CLI. */
export class ShopService {
  constructor(
    private readonly shops: ShopRepository,
    private readonly tokens: TokenRepository,
    private readonly clock: Clock,
    /** Scopes beyond the documented ones that tokens may carry (PRODIMG_EXTRA_SCOPES). */
    private readonly extraScopes: readonly string[] = [],
  ) {}

  /** `details` not given take SHOP_DEFAULTS; every bad value is reported at once. */
  async create(subdomain: string, given: NewShop = {}): Promise<Shop> {
    if (!SUBDOMAIN.test(subdomain)) {
      throw validation(['Subdomain must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen']);
    }
    const details = readShopDetails(given);
    if (await this.shops.find(subdomain)) throw validation([`Subdomain ${subdomain} is already taken`]);
    return this.shops.create({ subdomain, name: given.name ?? subdomain, ...details }, this.clock());
  }

  /** The store, created when missing: for set-up scripts that run more than once (an existing one is left as it is). */
  async ensure(subdomain: string, given: NewShop = {}): Promise<Shop> {
    return (await this.shops.find(subdomain)) ?? this.create(subdomain, given);
  }

  /** The store a token belongs to, for the shop endpoint. */
  async get(shopId: string): Promise<Shop> {
    const shop = await this.shops.findById(shopId);
    // A token goes with its store (one transaction); a server trusting it from memory may still ask.
    if (!shop) throw unauthorized();
    return shop;
  }

  /** The store with this id, for the admin page: RecordNotFound, not a token's Unauthorized, when there is none. */
  async byId(shopId: string): Promise<Shop> {
    const shop = await this.shops.findById(shopId);
    if (!shop) throw recordNotFound();
    return shop;
  }

  list(): Promise<Shop[]> {
    return this.shops.list();
  }

  /** The store a reference's Try It! is sent to unless told otherwise: one that answers. */
  firstActive(): Promise<Shop | null> {
    return this.shops.firstActive();
  }

  async setActive(subdomain: string, active: boolean): Promise<Shop> {
    const shop = await this.shops.setActive(subdomain, active, this.clock());
    if (!shop) throw validation([`No store with subdomain ${subdomain}`]);
    return shop;
  }

  /**
   * Removes the store, its products, images and tokens in one transaction, then the files no image
   * uses any more (through the same release as an image delete; a crash in between leaves files the
   * start-up sweep or `prodimg gc` removes). Returns how many images went.
   */
  async delete(subdomain: string, files: ImageFiles): Promise<{ images: number }> {
    const paths = await this.shops.delete(subdomain);
    if (paths === null) throw validation([`No store with subdomain ${subdomain}`]);
    await files.release(paths);
    return { images: paths.length };
  }

  async listTokens(subdomain: string): Promise<TokenSummary[]> {
    const shop = await this.shops.find(subdomain);
    if (!shop) throw validation([`No store with subdomain ${subdomain}`]);
    return this.tokens.list(shop.id);
  }

  /** Running servers may trust a token they checked for PRODIMG_AUTH_CACHE_MS more, as after a deactivation. */
  async revokeToken(publicId: string): Promise<void> {
    if (!TOKEN_PUBLIC_ID.test(publicId) || !(await this.tokens.revoke(publicId))) {
      throw validation([`No token with id ${publicId}; \`prodimg tokens list --shop <subdomain>\` shows them`]);
    }
  }

  /** Returns the token in clear; only its hash is kept, so this is the one time it is shown. */
  async createToken(
    subdomain: string,
    scopes: readonly string[],
    options: { rateLimited?: boolean } = {},
  ): Promise<{ token: string; id: string; shop: Shop; scopes: string[] }> {
    if (scopes.length === 0) throw validation(['Scopes must name at least one scope']);
    const unknown = unknownScopes(scopes, knownScopes(this.extraScopes));
    if (unknown.length > 0) throw validation([unknownScopesProblem(unknown)]);
    return this.issue(subdomain, generateToken(), scopes, options.rateLimited ?? false);
  }

  /**
   * A token whose value the caller chose: only a stand-in's seed makes these, so an app's test
   * fixtures can name their token. The value must not be one another token already has.
   */
  async createFixedToken(subdomain: string, token: string, scopes: readonly string[]): Promise<{ token: string; id: string; shop: Shop; scopes: string[] }> {
    return this.issue(subdomain, token, scopes, false);
  }

  private async issue(subdomain: string, token: string, scopes: readonly string[], rateLimited: boolean) {
    const shop = await this.shops.find(subdomain);
    if (!shop) throw validation([`No store with subdomain ${subdomain}`]);
    const unique = [...new Set(scopes)];
    const id = newTokenPublicId();
    await this.tokens.create(shop.id, hashToken(token), unique, this.clock(), id, { rateLimited });
    return { token, id, shop, scopes: unique };
  }
}
