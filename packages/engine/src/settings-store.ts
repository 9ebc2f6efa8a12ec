import type { JsonValue } from '@flowstate/core';

/**
 * Instance settings changed at run time through the API (part of the `Store` port): one JSON
 * value per key (`retention`, ...). Environment variables give the defaults; a stored value
 * overrides them.
 */
export interface SettingsStore {
  getSetting(key: string): Promise<JsonValue | undefined>;
  putSetting(input: { key: string; value: JsonValue; now: number }): Promise<void>;
}
