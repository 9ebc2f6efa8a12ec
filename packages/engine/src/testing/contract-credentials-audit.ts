import { expect } from 'vitest';
import { AUDIT_GENESIS_HASH, auditHash, findAuditBreak } from '../audit-store.js';
import type { CredentialRecord } from '../credential-store.js';
import type { ContractContext } from './store-contract.js';
import { T0 } from './store-fixtures.js';

function makeCredential(id: string, overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    id,
    name: `Credential ${id}`,
    type: 'basic',
    fields: { username: 'ada', port: 25, secure: false },
    keyId: 'key-1',
    ciphertext: `opaque-${id}`,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** Encrypted credentials, the hash-chained audit log and webhook delivery ids. */
export function credentialAndAuditCases({ it }: ContractContext): void {
  it('credentials: create, get, list by name, unique names, update, delete', async (store) => {
    const b = makeCredential('c1', { name: 'b' });
    const a = makeCredential('c2', { name: 'a' });
    expect(await store.createCredential(b)).toBe('ok');
    expect(await store.createCredential(a)).toBe('ok');
    expect(await store.createCredential(makeCredential('c3', { name: 'a' }))).toBe('name-taken');
    expect(await store.getCredential('c1')).toEqual(b);
    expect(await store.getCredential('missing')).toBeUndefined();
    expect(await store.listCredentials()).toEqual([a, b]);
    const renamed = { ...b, name: 'c', ciphertext: 'other', keyId: 'key-2', updatedAt: T0 + 1 };
    expect(await store.updateCredential({ record: { ...b, name: 'a' } })).toBe('name-taken');
    expect(await store.updateCredential({ record: renamed })).toBe('ok');
    expect(await store.getCredential('c1')).toEqual(renamed);
    expect(await store.updateCredential({ record: makeCredential('zz') })).toBe('not-found');
    expect(await store.deleteCredential('c1')).toBe(true);
    expect(await store.deleteCredential('c1')).toBe(false);
    expect(await store.listCredentials()).toEqual([a]);
  });

  it('credentials: an update expecting a key id is refused once the row uses another', async (store) => {
    const c = makeCredential('c1');
    await store.createCredential(c);
    const rotated = { ...c, keyId: 'key-2', ciphertext: 'new' };
    expect(await store.updateCredential({ record: rotated, expectKeyId: 'key-1' })).toBe('ok');
    expect(
      await store.updateCredential({ record: { ...c, ciphertext: 'late' }, expectKeyId: 'key-1' }),
    ).toBe('conflict');
    expect((await store.getCredential('c1'))?.ciphertext).toBe('new');
  });

  it('audit: entries are chained by hash in seq order and listed newest first', async (store) => {
    const actor = { type: 'user' as const, id: 'u1', label: 'ada@example.com' };
    const first = await store.appendAudit({
      at: T0,
      actor,
      action: 'workflow.create',
      target: { type: 'workflow', id: 'w1' },
      summary: { after: { name: 'W', version: 1 } },
    });
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(first.hash).toBe(auditHash(AUDIT_GENESIS_HASH, first));
    const second = await store.appendAudit({
      at: T0 + 1,
      actor: { type: 'system', id: 'workflow-files' },
      action: 'credential.delete',
      target: { type: 'credential', id: 'c1' },
      summary: { before: { name: 'x', nested: { b: 1, a: [1, 'two', null] } } },
    });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    const chain = await store.readAuditChain({ afterSeq: 0, limit: 10 });
    expect(chain).toEqual([first, second]);
    expect(findAuditBreak(chain, undefined)).toBeUndefined();
    expect(await store.readAuditChain({ afterSeq: 1, limit: 10 })).toEqual([second]);
    expect(await store.listAudit({ limit: 10 })).toEqual([second, first]);
    expect(await store.listAudit({ limit: 10, beforeSeq: 2 })).toEqual([first]);
    expect(await store.listAudit({ limit: 10, targetType: 'credential' })).toEqual([second]);
    expect(await store.listAudit({ limit: 10, action: 'workflow.create', targetId: 'w1' })).toEqual(
      [first],
    );
    expect(await store.listAudit({ limit: 1 })).toEqual([second]);
  });

  it('audit: concurrent appends keep one chain without gaps', async (store) => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.appendAudit({
          at: T0 + i,
          actor: { type: 'cli', id: 'cli' },
          action: 'user.create',
          target: { type: 'user', id: `u${i}` },
          summary: { i },
        }),
      ),
    );
    const chain = await store.readAuditChain({ afterSeq: 0, limit: 100 });
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(findAuditBreak(chain, undefined)).toBeUndefined();
  });

  it('webhook deliveries: an id is fresh once per scope until it expires', async (store) => {
    const delivery = { scope: 'w1:hook', id: 'msg_1', now: T0, expiresAt: T0 + 100 };
    expect(await store.recordWebhookDelivery(delivery)).toBe(true);
    expect(await store.recordWebhookDelivery({ ...delivery, now: T0 + 50 })).toBe(false);
    expect(await store.recordWebhookDelivery({ ...delivery, scope: 'w2:hook' })).toBe(true);
    expect(
      await store.recordWebhookDelivery({ ...delivery, now: T0 + 100, expiresAt: T0 + 200 }),
    ).toBe(true);
    expect(await store.recordWebhookDelivery({ ...delivery, now: T0 + 150 })).toBe(false);
  });
}
