/** The package's main entry: prodimg as an in-process stand-in for the platform in an app's tests (docs/testing-your-app.md). */
export { startProdimg } from './stand-in/start-prodimg.js';
export type { ProdimgStandIn, StartOptions } from './stand-in/start-prodimg.js';
export type { Seed } from './stand-in/seed-schema.js';
export type { FaultSpec, ActiveFault } from './stand-in/faults.js';
export type { JournalEntry } from './stand-in/request-journal.js';
export type { SeededShop } from './stand-in/apply-seed.js';
export { SeedError } from './stand-in/seed-error.js';
