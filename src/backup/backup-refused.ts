/** What the user must change before a backup or restore can run (a wrong file, a full target): the CLI's exit code 2, one line. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}
