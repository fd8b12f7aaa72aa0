import { AppService } from '../../src/domain/app-service.js';
import { systemClock } from '../../src/domain/clock.js';
import { oauthSettings } from '../../src/oauth-settings.js';
import { openSecretBox } from '../../src/secret-box.js';
import { createRepositories } from '../../src/storage/repositories.js';
import type { TestApi } from './api.js';

/** The apps of a test server's database, as `prodimg apps` manages them (the same secret key file). */
export async function appsOf(api: TestApi): Promise<AppService> {
  const secrets = await openSecretBox({ secretKey: undefined, dataDir: api.db.dataDir }, api.db.database);
  const repos = createRepositories(api.db.database);
  return new AppService(repos.apps, repos.shops, repos.tokens, secrets, systemClock, oauthSettings(api.config));
}
