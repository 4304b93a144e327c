// Type-checked with nothing skipped under node16 and bundler resolution (no emit).
import { cdtp, configRequestCodec, type ConfigRequest, type MessageKey } from '@kaa/protocols';

const subject: string = cdtp.request('ecr');
const decoded: ConfigRequest = configRequestCodec.decode(new Uint8Array());
const key: MessageKey = 'configRequest';
export { decoded, key, subject };
