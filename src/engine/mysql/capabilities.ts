/**
 * What the MySQL-family server can do, found once per connection. MariaDB and MySQL differ in
 * the collation that compares bytes without padding and in long UNIQUE keys.
 */
export interface MysqlCapabilities {
  readonly flavor: 'mariadb' | 'mysql';
  readonly version: string;
  /**
   * A binary collation WITHOUT trailing-space padding, so 'a' and 'a ' are different keys, as
   * in PostgreSQL: utf8mb4_nopad_bin (MariaDB 10.2+) or utf8mb4_0900_bin (MySQL 8). The plain
   * utf8mb4_bin is PAD SPACE and would make a UNIQUE key refuse rows PostgreSQL accepted.
   */
  readonly collation: string;
  /** MariaDB 10.4+ enforces a UNIQUE key longer than the index limit through a hidden hash. */
  readonly longUniqueHash: boolean;
}

/** InnoDB's key limit with ROW_FORMAT=DYNAMIC. */
export const maxKeyBytes = 3072;

export function capabilitiesOf(version: string): MysqlCapabilities {
  const mariadb = /mariadb/i.test(version);
  const [major = 0, minor = 0] = version.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  if (mariadb) {
    return { flavor: 'mariadb', version, collation: 'utf8mb4_nopad_bin', longUniqueHash: major > 10 || (major === 10 && minor >= 4) };
  }
  return { flavor: 'mysql', version, collation: major >= 8 ? 'utf8mb4_0900_bin' : 'utf8mb4_bin', longUniqueHash: false };
}

/** Session defaults when no server was asked (tests of DDL text only). */
export const mariadbDefaults: MysqlCapabilities = capabilitiesOf('10.11.0-MariaDB');
