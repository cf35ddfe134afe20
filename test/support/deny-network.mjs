// Preloaded with `node --import`: any connection or DNS lookup that is not loopback fails, and is
// recorded in $TG_NETWORK_LOG, so a test can prove that a command stayed offline.

import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const log = process.env.TG_NETWORK_LOG;
const record = (what) => {
  if (log) appendFileSync(log, `${what}\n`);
};
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const opts = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
  const host = opts.host ?? 'localhost';
  if (!opts.path && !LOOPBACK.test(String(host))) {
    record(`connect ${host}:${opts.port}`);
    throw new Error(`network denied by test: ${host}`);
  }
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  if (!LOOPBACK.test(hostname)) {
    record(`dns ${hostname}`);
    const cb = rest.find((r) => typeof r === 'function');
    const err = Object.assign(new Error(`DNS denied by test: ${hostname}`), { code: 'ENOTFOUND' });
    if (cb) return process.nextTick(() => cb(err));
    throw err;
  }
  return lookup.call(this, hostname, ...rest);
};
