/** API versions served. Both speak the same (pre-2025) envelope; any other version is a 404. */
export const API_VERSIONS = ['2020-07', '2022-01'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
