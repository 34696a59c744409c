import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRelay, tempDir } from './helpers.js';

/** GET of a raw path (sent as is, not normalised by a URL parser). */
function get(base: string, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode!, body }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A built app: index.html, a script, a .well-known file, and the secrets a deploy folder often holds. */
function appFolder(): string {
  const folder = tempDir();
  writeFileSync(join(folder, 'index.html'), '<h1>app</h1>');
  writeFileSync(join(folder, 'app.js'), 'console.log(1)');
  writeFileSync(join(folder, '.env'), 'SECRET=hunter2');
  mkdirSync(join(folder, '.git'));
  writeFileSync(join(folder, '.git', 'config'), '[remote "origin"] url = git@secret');
  mkdirSync(join(folder, 'assets'));
  writeFileSync(join(folder, 'assets', '.htpasswd'), 'admin:secret');
  mkdirSync(join(folder, '.well-known'));
  writeFileSync(join(folder, '.well-known', 'security.txt'), 'Contact: mailto:security@example.com');
  return folder;
}

describe('static files', () => {
  it('do not follow symlinks out of the folder (no /etc/passwd, no SQLite database)', async () => {
    const folder = appFolder();
    const dataDir = tempDir();
    const relay = await startRelay({ staticDir: folder, dir: dataDir });
    symlinkSync('/etc/passwd', join(folder, 'passwd.txt'));
    symlinkSync(join(dataDir, 'ferry.db'), join(folder, 'data.json'));
    symlinkSync('/etc', join(folder, 'etc'));
    symlinkSync('/etc/hosts', join(folder, 'hosts.txt'));
    symlinkSync(join(folder, 'app.js'), join(folder, 'linked.js'));
    for (const path of ['/passwd.txt', '/data.json', '/hosts.txt', '/etc/host.conf']) {
      const answer = await get(relay.httpUrl, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toMatch(/root:|SQLite|localhost|multi/);
    }
    // A path without an extension is a page of the app, never the file the link points to.
    expect(await get(relay.httpUrl, '/etc/passwd')).toEqual({ status: 200, body: '<h1>app</h1>' });
    // A link that stays inside the folder is served.
    expect(await get(relay.httpUrl, '/linked.js')).toEqual({ status: 200, body: 'console.log(1)' });
  });

  it('do not serve dotfiles or dot-folders (.env, .git/config), except .well-known', async () => {
    const relay = await startRelay({ staticDir: appFolder() });
    for (const path of [
      '/.env',
      '/.git/config',
      '/.git/',
      '/%2eenv',
      '/%2Egit/config',
      '/assets/.htpasswd',
      '/assets/%2ehtpasswd',
      '/app.js/../.env',
    ]) {
      for (const method of ['GET', 'HEAD']) {
        const answer = await get(relay.httpUrl, path, method);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.body, path).not.toMatch(/SECRET|remote|admin|<h1>/);
      }
    }
    expect((await get(relay.httpUrl, '/.well-known/security.txt')).body).toMatch(/^Contact:/);
    expect(await get(relay.httpUrl, '/app.js')).toEqual({ status: 200, body: 'console.log(1)' });
    expect(await get(relay.httpUrl, '/some/page')).toEqual({ status: 200, body: '<h1>app</h1>' });
  });

  it('answer a read error with 500 for that request only; the relay keeps serving', async () => {
    // /proc/self/mem is a regular file whose first read fails (EIO), like a file lost in the middle of a deploy.
    const relay = await startRelay({ staticDir: '/proc/self' });
    expect((await get(relay.httpUrl, '/mem')).status).toBe(500);
    expect((await get(relay.httpUrl, '/mem')).status).toBe(500);
    const status = await get(relay.httpUrl, '/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatch(/^Name:/);
    expect((await get(relay.httpUrl, '/healthz')).status).toBe(200);
  });

  it('answer bad percent-encoding with 400, in static and REST paths', async () => {
    const relay = await startRelay({ staticDir: appFolder() });
    for (const path of [
      '/%zz',
      '/assets/%E0%A4%A',
      '/api/collections/%zz/records',
      '/api/collections/notes/records/%zz',
      '/api/collections/notes/records/a%ff/history',
    ])
      expect((await get(relay.httpUrl, path)).status, path).toBe(400);
    expect((await get(relay.httpUrl, '/%00')).status).toBe(400);
    expect((await get(relay.httpUrl, '/healthz')).status).toBe(200);
  });
});
