// PostgreSQL from Debian's packages, configured as the Zalando operator serves it: TLS on with
// a self-signed certificate, password (SCRAM) authentication over `hostssl` only, and an owner
// role for the app whose credentials reach the functions as PGHOST/PGPORT/PGUSER/PGPASSWORD/
// PGDATABASE. initdb and postgres refuse to run as root, so as root they run as the `postgres`
// user (runuser), which then owns the temporary directory.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, appendFile, chmod, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { runCommand } from './cache.ts';
import { freePort, serverTempDir, startProcess, waitForReady } from '../../support/processes.ts';
import { serverVersions } from './versions.ts';

const exec = promisify(execFile);

export interface PostgresEnv {
  PGHOST: string;
  PGPORT: string;
  PGUSER: string;
  PGPASSWORD: string;
  PGDATABASE: string;
  PGSSLMODE: 'require';
}

export interface RunningPostgres {
  /** The app's credentials, as the cluster passes them to a function. */
  env: PostgresEnv;
  /** A pool with the app's credentials, connected the way cluster-services.ts connects. */
  pool(): pg.Pool;
  /**
   * A login role with a generated password and a database it owns, as the operator creates a
   * user and a database listed in the `postgresql` manifest; answers what the operator's
   * credentials Secret holds.
   */
  createOwner(user: string, database: string): Promise<{ username: string; password: string }>;
  stop(): Promise<void>;
}

async function postgresBinaries(): Promise<string> {
  const { binDir, major } = serverVersions.postgres;
  try {
    await access(join(binDir, 'initdb'));
  } catch {
    throw new Error(`PostgreSQL ${major} is not installed (no ${binDir}/initdb): on Debian run \`apt-get install -y postgresql-${major}\``);
  }
  return binDir;
}

/** Where it listens. @default 127.0.0.1 and a free port */
export interface PostgresAddress {
  host?: string;
  port?: number;
}

export async function startPostgres(address: PostgresAddress = {}): Promise<RunningPostgres> {
  const binDir = await postgresBinaries();
  const temp = await serverTempDir('postgres');
  const asRoot = process.getuid?.() === 0;
  // As root, everything the server touches must belong to `postgres`.
  const owner = asRoot ? await postgresUser() : null;
  const as = (command: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);
  const own = async (path: string) => {
    if (owner) await chown(path, owner.uid, owner.gid);
  };

  const dataDir = join(temp.path, 'data');
  const superPassword = randomBytes(16).toString('hex');
  const appPassword = randomBytes(16).toString('hex');
  const host = address.host ?? '127.0.0.1';
  const port = address.port ?? (await freePort());
  try {
    await own(temp.path);
    const pwfile = join(temp.path, 'superuser-password');
    await writeFile(pwfile, `${superPassword}\n`, { mode: 0o600 });
    await own(pwfile);
    await runCommand(...as(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale']), { heartbeat: false });

    // A self-signed certificate, as the operator generates when none is given.
    const cert = join(temp.path, 'server.crt');
    const key = join(temp.path, 'server.key');
    await runCommand('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { heartbeat: false });
    await chmod(key, 0o600);
    await own(key);
    await own(cert);

    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        `listen_addresses = '${host}'`,
        `port = ${port}`,
        `unix_socket_directories = '${temp.path}'`,
        'ssl = on',
        `ssl_cert_file = '${cert}'`,
        `ssl_key_file = '${key}'`,
        "password_encryption = 'scram-sha-256'",
        // A throwaway database: durability buys nothing here.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    // TLS only: there is no plain `host` line, so an unencrypted connection is refused.
    // Loopback only; a client reaching another loopback address still comes from 127.0.0.1.
    await writeFile(join(dataDir, 'pg_hba.conf'), 'hostssl all all 127.0.0.0/8 scram-sha-256\n');
    await own(join(dataDir, 'pg_hba.conf'));
  } catch (error) {
    await temp.remove();
    throw error;
  }

  const server = startProcess('postgres', ...as(join(binDir, 'postgres'), ['-D', dataDir]), { logFile: join(temp.path, 'postgres.log') });
  const connect = (user: string, password: string, database: string) =>
    new pg.Pool({ host, port, user, password, database, ssl: { rejectUnauthorized: false }, max: 2, connectionTimeoutMillis: 2_000 });
  const admin = connect('postgres', superPassword, 'postgres');
  admin.on('error', () => {});
  try {
    await waitForReady(server, 'accepting TLS connections', async () => (await admin.query('SELECT 1')).rowCount === 1, 30_000);
    // The app's owner role and database, as the operator creates them from the manifest.
    await admin.query(`CREATE ROLE forecast LOGIN PASSWORD '${appPassword}'`);
    await admin.query('CREATE DATABASE forecast OWNER forecast');
  } catch (error) {
    await admin.end().catch(() => {});
    await server.stop();
    await temp.remove();
    throw error;
  }
  await admin.end();

  const env: PostgresEnv = { PGHOST: host, PGPORT: String(port), PGUSER: 'forecast', PGPASSWORD: appPassword, PGDATABASE: 'forecast', PGSSLMODE: 'require' };
  return {
    env,
    pool: () => connect(env.PGUSER, env.PGPASSWORD, env.PGDATABASE),
    async createOwner(user, database) {
      const password = randomBytes(16).toString('hex');
      const superuser = connect('postgres', superPassword, 'postgres');
      try {
        await superuser.query(`CREATE ROLE ${pg.escapeIdentifier(user)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
        await superuser.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} OWNER ${pg.escapeIdentifier(user)}`);
      } finally {
        await superuser.end();
      }
      return { username: user, password };
    },
    async stop() {
      await server.stop();
      await temp.remove();
    },
  };
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([exec('id', ['-u', 'postgres']), exec('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error('there is no `postgres` user to run PostgreSQL as (running as root); install Debian\'s postgresql-15 package, which creates it');
  }
}
