import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import { CloseCode, PROTOCOL_VERSION } from '@ferry/core';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { onCleanup, tempDir } from './helpers.js';
import { spawnRelay } from './process.js';

const cliFile = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

import { RawClient } from './rawClient.js';

// Each case starts relay processes: slower than the default timeout allows on a busy machine.
describe('ferry serve', { timeout: 30_000 }, () => {
  it('refuses a numeric option that is not a number, saying which, and starts with a valid one', async () => {
    await expect(spawnRelay(tempDir(), ['--history-days', 'soon'])).rejects.toThrow(
      /--history-days must be a number ≥ 0, got "soon"/,
    );
    await expect(spawnRelay(tempDir(), ['--idle-unload=-5'])).rejects.toThrow(/--idle-unload must be/);
    const relay = await spawnRelay(tempDir(), ['--history-days', '30', '--idle-unload', '1000']);
    const health = await fetch(`${relay.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('exits on SIGTERM when its stdout and stderr were closed', async () => {
    const relay = await spawnRelay(tempDir());
    // Whoever read its output went away (a closed terminal, a log shipper that died): the pipes are broken.
    relay.child.stdout!.destroy();
    relay.child.stderr!.destroy();
    relay.child.kill('SIGTERM');
    expect(await exitedWithin(relay.child, 15_000)).toBe(0);
  });

  // The cause, without the race above (the CLI hung only when the relay closed before its first log line
  // after SIGTERM was written): two lines logged to a broken pipe just before process.exit.
  it('logs to a broken pipe and still exits', async () => {
    const script = `
      import { defaultLogger } from ${JSON.stringify(new URL('../dist/logger.js', import.meta.url).href)};
      const logger = defaultLogger();
      process.on('SIGTERM', () => { logger.info('stopping'); logger.info('stopped'); process.exit(0); });
      setInterval(() => {}, 60_000);
      logger.info('ready');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await once(child.stdout!, 'data');
    child.stdout!.destroy();
    child.stderr!.destroy();
    child.kill('SIGTERM');
    expect(await exitedWithin(child, 15_000)).toBe(0);
  });
  it('logs JSON lines when stdout is not a terminal, and readable lines with --log-format pretty', async () => {
    const json = await spawnRelay(tempDir());
    const entries = json
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries.map((entry) => entry.msg)).toContain(`Ferry relay listening on ${json.httpUrl}`);

    await expect(spawnRelay(tempDir(), ['--log-format', 'xml'])).rejects.toThrow(
      /--log-format must be pretty or json, got "xml"/,
    );

    const child = spawn(
      process.execPath,
      [cliFile, 'serve', '--port', '0', '--data', tempDir(), '--log-format', 'pretty'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FERRY_LOG_LEVEL: 'info' } },
    );
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    for await (const chunk of child.stdout!) {
      output += chunk;
      if (output.includes('static:')) break;
    }
    expect(output).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(ferry\/\d+\): Ferry relay listening on http:\/\/127\.0\.0\.1:\d+\n {4}url: "http/m,
    );
    expect(output).not.toMatch(/^\{/m);
  });

  // A terminal, given by script(1) from util-linux: the logger must see a TTY on stdout to choose for it.
  it('logs readable lines by default when stdout is a terminal', async () => {
    const file = join(tempDir(), 'log.mjs');
    writeFileSync(
      file,
      `import { defaultLogger } from ${JSON.stringify(new URL('../dist/logger.js', import.meta.url).href)};
      defaultLogger().info({ url: 'http://127.0.0.1:1' }, 'Ferry relay listening');`,
    );
    const { stdout } = await promisify(execFile)('script', [
      '--quiet',
      '--return',
      '--command',
      `${JSON.stringify(process.execPath)} ${JSON.stringify(file)}`,
      '/dev/null',
    ]);
    // Colours are on at a terminal; without them the line reads as --log-format pretty writes it.
    const line = stripVTControlCharacters(stdout);
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(ferry\/\d+\): Ferry relay listening\r?\n/);
    expect(line).not.toBe(stdout);
  });

  it('sets limits with --limit name=value, refusing unknown names and values that are not positive', async () => {
    await expect(spawnRelay(tempDir(), ['--limit', 'maxConnectionsPerAddress=many'])).rejects.toThrow(
      /--limit maxConnectionsPerAddress must be a positive number, got "many"/,
    );
    await expect(spawnRelay(tempDir(), ['--limit', 'maxSockets=5'])).rejects.toThrow(
      /there is no limit "maxSockets"; the limits are .*maxConnectionsPerAddress/,
    );
    const relay = await spawnRelay(tempDir(), ['--limit', 'maxConnectionsPerAddress=1']);
    const first = await RawClient.open(relay.url);
    const second = await RawClient.open(relay.url);
    expect((await second.whenClosed()).code).toBe(CloseCode.TooManyConnections);
    expect(first.closed).toBeUndefined();
  }, 30_000);
});

/** The exit code (or signal) of `child`, or 'still running' once `ms` have passed without it ending. */
function exitedWithin(child: ChildProcess, ms: number): Promise<number | string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? -1);
    });
  });
}

// Each case starts a relay process: slower than the default timeout allows on a busy machine.
describe('ferry serve with JSON Web Tokens', { timeout: 30_000 }, () => {
  const SECRET = 'a-cli-test-secret-of-at-least-32-bytes';
  const sign = (claims: Record<string, unknown>, exp?: number) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('ana');
    if (exp !== undefined) jwt.setExpirationTime(exp);
    return jwt.sign(new TextEncoder().encode(SECRET));
  };
  const secretFile = (text: string) => {
    const path = join(tempDir(), 'jwt-secret');
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const refusal = async (url: string, token: string) => {
    const client = await RawClient.open(url);
    client.send({ type: 'hello', version: PROTOCOL_VERSION, token });
    return client.whenClosed();
  };

  it('refuses a secret under 32 bytes from the command line, a file or the environment', async () => {
    await expect(spawnRelay(tempDir(), ['--jwt-secret', 'x'])).rejects.toThrow(
      /The JWT secret is 1 bytes long; use at least 32 bytes/,
    );
    await expect(spawnRelay(tempDir(), ['--jwt-secret-file', secretFile('short\n')])).rejects.toThrow(
      /5 bytes long/,
    );
    await expect(spawnRelay(tempDir(), [], [], { FERRY_JWT_SECRET: 'short' })).rejects.toThrow(
      /5 bytes long/,
    );
    await expect(spawnRelay(tempDir(), ['--jwt-secret-file', '/nonexistent/secret'])).rejects.toThrow(
      /--jwt-secret-file: cannot read/,
    );
    await expect(
      spawnRelay(tempDir(), ['--jwt-issuer', 'https://id.example'], [], { FERRY_JWT_SECRET: '' }),
    ).rejects.toThrow(/--jwt-issuer needs/);
  });

  it('reads the secret from a file, kept out of ps, and checks issuer, audience and exp', async () => {
    const relay = await spawnRelay(tempDir(), [
      '--jwt-secret-file',
      secretFile(`${SECRET}\n`),
      '--jwt-issuer',
      'https://id.example',
      '--jwt-audience',
      'ferry',
      '--require-exp',
    ]);
    expect(readFileSync(`/proc/${relay.child.pid}/cmdline`, 'utf8')).not.toContain(SECRET);
    expect(relay.output()).not.toMatch(/visible/);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const good = { iss: 'https://id.example', aud: 'ferry', collections: { '*': 'write' } };
    await RawClient.hello(relay.url, await sign(good, exp));
    const noExp = await refusal(relay.url, await sign(good));
    expect(noExp).toMatchObject({ code: CloseCode.Unauthorized, reason: expect.stringMatching(/exp/) });
    const otherIssuer = await refusal(relay.url, await sign({ ...good, iss: 'https://evil.example' }, exp));
    expect(otherIssuer).toMatchObject({ code: CloseCode.Unauthorized, reason: expect.stringMatching(/iss/) });
    const otherAudience = await refusal(relay.url, await sign({ ...good, aud: 'other' }, exp));
    expect(otherAudience).toMatchObject({
      code: CloseCode.Unauthorized,
      reason: expect.stringMatching(/aud/),
    });
  });

  it('takes the secret from the environment, and warns when it is given as an argument', async () => {
    const token = await sign({ collections: { '*': 'write' } });
    const fromEnv = await spawnRelay(tempDir(), [], [], { FERRY_JWT_SECRET: SECRET });
    await RawClient.hello(fromEnv.url, token);
    expect(fromEnv.output()).not.toMatch(/visible/);

    const fromArgument = await spawnRelay(tempDir(), ['--jwt-secret', SECRET]);
    await RawClient.hello(fromArgument.url, token);
    expect(fromArgument.output()).toMatch(/--jwt-secret is visible to every user of this machine/);
  });
});

describe('the ferry command', { timeout: 30_000 }, () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const linked = join(root, 'node_modules/.bin/ferry');
  const shim = fileURLToPath(new URL('../bin/ferry.js', import.meta.url));
  const run = (file: string, args: string[]) =>
    promisify(execFile)(file, args).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  // npm links a package's bin at install time, before any build: it must point to a committed file.
  it('is linked by npm install to a committed file, and runs the built CLI', async () => {
    expect(realpathSync(linked)).toBe(realpathSync(shim));
    const help = await run(linked, ['--help']);
    expect(help).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Usage: ferry <command> [options]'),
    });
    const serveHelp = await run(linked, ['serve', '--help']);
    expect(serveHelp).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Usage: ferry serve [options]'),
    });
    const unknown = await run(linked, ['serv']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('there is no command "serv"') });
  });

  it('says what to do when the package is not built yet', async () => {
    const unbuilt = join(tempDir(), 'bin');
    mkdirSync(unbuilt);
    copyFileSync(shim, join(unbuilt, 'ferry.js'));
    const result = await run(process.execPath, [join(unbuilt, 'ferry.js'), '--help']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/dist\/cli\.js is missing\). Run `npm run build`/);
  });
});

describe('ferry serve --schema and --rules', { timeout: 30_000 }, () => {
  const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/cli/${name}`, import.meta.url));
  const moduleFile = (source: string) => {
    const path = join(tempDir(), 'module.js');
    writeFileSync(path, source);
    return path;
  };
  const post = (httpUrl: string, body: unknown) =>
    fetch(`${httpUrl}/api/collections/notes/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('types the REST API with the collections a --schema module exports', async () => {
    const relay = await spawnRelay(tempDir(), ['--schema', fixture('schema.js')]);
    const refused = await post(relay.httpUrl, { id: 'n1', title: 'Hello', stars: 'many' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/stars/);
    expect((await post(relay.httpUrl, { id: 'n1', title: 'Hello' })).status).toBe(201);
    const read = await fetch(`${relay.httpUrl}/api/collections/notes/records/n1`);
    expect((await read.json()).fields).toEqual({ title: 'Hello', stars: 0 });
  });

  it('refuses a --schema module that cannot be loaded or defines no collection, saying why', async () => {
    await expect(spawnRelay(tempDir(), ['--schema', '/nonexistent/schema.js'])).rejects.toThrow(
      /ferry: --schema \/nonexistent\/schema\.js: cannot load it as an ES module: Cannot find module/,
    );
    await expect(spawnRelay(tempDir(), ['--schema', moduleFile('export const notes = {')])).rejects.toThrow(
      /--schema .*module\.js: cannot load it as an ES module: Unexpected end of input/,
    );
    await expect(spawnRelay(tempDir(), ['--schema', moduleFile('export default [1, 2];')])).rejects.toThrow(
      /--schema .*module\.js: it exports no collection definition; export each one/,
    );
    await expect(
      spawnRelay(tempDir(), [
        '--schema',
        moduleFile("export const notes = { name: 'notes', fields: { id: {} } };"),
      ]),
    ).rejects.toThrow(/--schema .*module\.js: Field name "id" of "notes" is reserved/);
  });

  it('starts with a --rules module whose read rule is { field }, which the relay indexes', async () => {
    const indexed = moduleFile("export default { notes: { read: { field: 'readers' } } };");
    const relay = await spawnRelay(tempDir(), ['--rules', indexed]);
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    const refusals: [string, RegExp][] = [
      [
        'export default { notes: { read: { field: 3 } } };',
        /the read rule of "notes" must be a function or \{ field, claim\? \}/,
      ],
    ];
    for (const [source, message] of refusals)
      await expect(spawnRelay(tempDir(), ['--rules', moduleFile(source)])).rejects.toThrow(message);
  });

  it('starts with a --rules module, and refuses one that is not an object of objects of functions', async () => {
    const relay = await spawnRelay(tempDir(), ['--rules', fixture('rules.js')]);
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);

    const refusals: [string, RegExp][] = [
      ['export const notes = {};', /its default export must be an object of rules by collection/],
      ['export default { notes: (principal) => true };', /the rules of "notes" must be an object/],
      ['export default { notes: { read: true } };', /the read rule of "notes" must be a function/],
      [
        'export default { notes: { reed: () => true } };',
        /"notes" has a rule "reed"; the rules are read and write/,
      ],
    ];
    for (const [source, message] of refusals) {
      const file = moduleFile(source);
      const started = spawnRelay(tempDir(), ['--rules', file]);
      await expect(started).rejects.toThrow(message);
      await expect(started).rejects.toThrow(`--rules ${file}:`);
    }
  });

  it('exits with code 1 when a module is refused', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const result = await promisify(execFile)(process.execPath, [
      cli,
      'serve',
      '--port',
      '0',
      '--data',
      tempDir(),
      '--rules',
      moduleFile('export default 42;'),
    ]).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^ferry: --rules .*default export/),
    });
  });
});
