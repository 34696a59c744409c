/**
 * The systems Ferry is compared with (Hocuspocus, the y-websocket server and their storage) are the bench's
 * own package, bench/package.json, so that installing Ferry never builds their native modules. This installs
 * them from bench/package-lock.json into bench/node_modules when they are missing or differ from the lock.
 * `npm run bench` runs it as a script before anything imports them; the bench test project runs it as its
 * vitest globalSetup.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const lockFile = fileURLToPath(new URL('./package-lock.json', import.meta.url));
// npm records what it installed here; it lists the same packages as the lock when nothing is missing.
const installedFile = fileURLToPath(new URL('./node_modules/.package-lock.json', import.meta.url));

export function installCompetitors(): void {
  if (isInstalled()) return;
  process.stderr.write('Installing the systems the benchmarks compare with (bench/package-lock.json)…\n');
  // npm's own output goes to stderr too: stdout of a bench run holds only the report.
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: ['ignore', 2, 2] });
}

function isInstalled(): boolean {
  if (!existsSync(installedFile)) return false;
  const versions = (file: string) => {
    const { packages } = JSON.parse(readFileSync(file, 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    return Object.entries(packages)
      .filter(([path]) => path !== '')
      .map(([path, { version }]) => `${path}@${version}`)
      .sort()
      .join('\n');
  };
  return versions(lockFile) === versions(installedFile);
}

/** vitest's globalSetup entry. */
export default installCompetitors;

if (process.argv[1] === fileURLToPath(import.meta.url)) installCompetitors();
