import https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { startKubernetesFake, type KubernetesFake } from '../../testing/kubernetes-fake';
import { BLOCKED_CONNECTION_CODE, BlockedAddressError, GuardedHttpsAgent, assertServerAddressAllowed, classifyAddress } from './network-policy';

function allowPrivate(on: boolean) {
  if (on) process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  else delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
}

afterEach(() => allowPrivate(false));

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378::1', 'reserved'],
  ])('%s is %s', (ip, category) => {
    expect(classifyAddress(ip)?.category).toBe(category);
  });

  it.each(['8.8.8.8', '35.190.0.1', '172.32.0.1', '100.128.0.1', '2600:1f18::1', '2a00:1450:4001::1', '::ffff:8.8.8.8', '64:ff9b::808:808'])('%s is public', (ip) => {
    expect(classifyAddress(ip)).toBeNull();
  });

  it('names the metadata service', () => {
    expect(classifyAddress('169.254.169.254')?.note).toBe('cloud metadata service');
    expect(classifyAddress('fd00:ec2::254')?.note).toBe('cloud metadata service');
  });

  it('throws for something that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow();
  });
});

describe('assertServerAddressAllowed', () => {
  it('refuses a host name that resolves to loopback (localhost, through the system resolver)', async () => {
    const e = await assertServerAddressAllowed('https://localhost:6443').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BlockedAddressError);
    expect((e as BlockedAddressError).reason).toBe('server-address-blocked');
    expect((e as BlockedAddressError).message).toMatch(/localhost resolves to .*a loopback address.*CLUSTER_ALLOW_PRIVATE_ADDRESSES=true/);
  });

  it('refuses a name when any of its addresses is private', async () => {
    const resolve = async () => [
      { address: '35.190.0.1', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    const e = await assertServerAddressAllowed('https://k8s.example.com', resolve).catch((err: unknown) => err);
    expect((e as BlockedAddressError).address).toBe('10.0.0.7');
    expect(await assertServerAddressAllowed('https://k8s.example.com', async () => [{ address: '35.190.0.1', family: 4 }])).toEqual(['35.190.0.1']);
  });

  it('refuses IP literals, including IPv6 forms of the metadata server', async () => {
    for (const server of ['https://169.254.169.254', 'https://[::ffff:169.254.169.254]:443', 'https://[fd00:ec2::254]', 'https://[::1]:6443']) {
      await expect(assertServerAddressAllowed(server)).rejects.toBeInstanceOf(BlockedAddressError);
    }
  });

  it('reports a name that does not resolve', async () => {
    const e = await assertServerAddressAllowed('https://nothing.invalid', async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    }).catch((err: unknown) => err);
    expect((e as BlockedAddressError).reason).toBe('server-unresolvable');
  });

  it('allows everything when the operator allows private addresses', async () => {
    allowPrivate(true);
    expect(await assertServerAddressAllowed('https://169.254.169.254')).toEqual(['169.254.169.254']);
    expect((await assertServerAddressAllowed('https://localhost:1')).length).toBeGreaterThan(0);
  });
});

describe('GuardedHttpsAgent', () => {
  let fake: KubernetesFake;
  beforeAll(async () => {
    // The fake counts every request it answers, so a refused dial is seen to send nothing, without a control plane started for a TLS handshake.
    fake = await startKubernetesFake();
  });
  afterAll(async () => {
    await fake?.stop();
  });

  const get = (url: string, agent: GuardedHttpsAgent) =>
    new Promise<{ status: number } | { error: NodeJS.ErrnoException }>((resolve) => {
      https
        .get(url, { agent, ca: Buffer.from(fake.caData, 'base64') }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        })
        .on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    });

  it('does not dial a blocked IP literal or a name that resolves to one', async () => {
    const before = fake.requests.length;
    for (const url of [`${fake.url}/version`, `https://localhost:${fake.port}/version`]) {
      const agent = new GuardedHttpsAgent({ ca: Buffer.from(fake.caData, 'base64') });
      const r = await get(url, agent);
      expect('error' in r && r.error.code).toBe(BLOCKED_CONNECTION_CODE);
      expect(agent.lastBlocked?.message).toMatch(/loopback address/);
      agent.destroy();
    }
    expect(fake.requests.length).toBe(before);
  });

  it('dials them when the operator allows private addresses, and still verifies certificates', async () => {
    allowPrivate(true);
    const agent = new GuardedHttpsAgent({ ca: Buffer.from(fake.caData, 'base64') });
    expect(await get(`${fake.url}/version`, agent)).toEqual({ status: 200 });
    expect(await get(`https://localhost:${fake.port}/version`, agent)).toEqual({ status: 200 });
    agent.destroy();

    const noCa = new GuardedHttpsAgent({ rejectUnauthorized: false });
    const r = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      https.get(`${fake.url}/version`, { agent: noCa }, () => resolve(null)).on('error', resolve);
    });
    expect(r?.code).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    noCa.destroy();
  });
});
