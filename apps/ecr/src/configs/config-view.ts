/** A stored configuration, endpoint-specific (`endpointId` set) or an app-version default. */
export interface StoredConfig {
  configId: string;
  tenantId: string;
  endpointId: string | null;
  appVersionName: string;
  name: string;
  /** The JSON document, serialized. */
  config: string;
  createdDate: Date;
  updatedDate: Date;
}

/** The Kaa 1.2+ REST shape: `config` is the JSON document as a string. */
export interface ConfigView {
  configId: string;
  name: string;
  config: string;
  createdDate: string;
  updatedDate: string;
}

export const toView = (stored: StoredConfig): ConfigView => ({
  configId: stored.configId,
  name: stored.name,
  config: stored.config,
  createdDate: stored.createdDate.toISOString(),
  updatedDate: stored.updatedDate.toISOString(),
});
