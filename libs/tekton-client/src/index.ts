export { AppConfigSource, emptyTree, type ApplicationConfigNode, type ConfigChange, type ConfigChangeScope, type ServiceConfigTree } from './app-config-source.js';
export { AppConfigFileError, FileAppConfigSource, parseServiceConfigTree, type FileAppConfigSourceOptions } from './file-config-source.js';
