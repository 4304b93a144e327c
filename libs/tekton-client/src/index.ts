export { AppConfigSource, emptyOwners, emptyTree, type AppOwners, type ApplicationConfigNode, type ConfigChange, type ConfigChangeScope, type ServiceConfigTree } from './app-config-source.js';
export { AppConfigFileError, FileAppConfigSource, parseServiceConfigTree, type FileAppConfigSourceOptions } from './file-config-source.js';
export { TektonConfigClient, type TektonConfigClientOptions } from './tekton-config-client.js';
export { TektonClientModule, type TektonClientModuleOptions } from './tekton-client.module.js';
export { SystemConfigClient, type SystemConfigClientOptions, type SystemConfigNotice, type SystemConfigValue } from './system-config-client.js';
