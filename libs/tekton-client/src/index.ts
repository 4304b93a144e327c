export { AppConfigSource, emptyTree, type ApplicationConfigNode, type ConfigChange, type ConfigChangeScope, type ServiceConfigTree } from './app-config-source.js';
