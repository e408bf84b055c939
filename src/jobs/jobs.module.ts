// The job platform the four modules share: the jobs table, pg-boss queues and workers, the job routes'
// service, completion callbacks. Modules register a JobProcessor with JobPlatform.
import { HttpModule } from '@nestjs/axios';
import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CountiesModule } from '../counties/counties.module.js';
import { CALLBACK_METRIC_PROVIDERS } from './callbacks/callback-metrics.js';
import { JobCallbacks } from './callbacks/job-callbacks.js';
import { JOBS_QUEUED, JOBS_RUNNING } from '../observability/metric-names.js';
import { gaugeProvider } from '../observability/metric-providers.js';
import { JobPlatform } from './job-platform.js';
import { JobRoutesService } from './job-routes.service.js';
import { jobsConfig, webhookConfig } from './jobs.config.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

@Global()
@Module({
  imports: [
    ConfigModule.forFeature(jobsConfig),
    ConfigModule.forFeature(webhookConfig),
    HttpModule.register({}),
    CountiesModule,
  ],
  providers: [
    gaugeProvider(JOBS_QUEUED),
    gaugeProvider(JOBS_RUNNING),
    ...CALLBACK_METRIC_PROVIDERS,
    JobsRepository,
    JobCallbacks,
    JobPlatform,
    JobsService,
    JobRoutesService,
  ],
  exports: [JobsService, JobRoutesService, JobPlatform, JobCallbacks, JobsRepository],
})
export class JobsModule {}
