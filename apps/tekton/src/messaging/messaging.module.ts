import { Module } from '@nestjs/common';
import { ChangeAnnouncer } from './change-announcer.js';
import { ScmpNotices } from './scmp-notices.js';

@Module({
  providers: [ScmpNotices, ChangeAnnouncer],
  exports: [ScmpNotices, ChangeAnnouncer],
})
export class MessagingModule {}
