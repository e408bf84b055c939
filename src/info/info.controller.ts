import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { buildInfo } from '../common/build-info.js';

@ApiTags('operations')
@Controller('info')
export class InfoController {
  @Get()
  @ApiOperation({ summary: 'Name, version, commit, Node.js version and uptime.' })
  info(): Record<string, unknown> {
    const info = buildInfo();
    return {
      name: info.name,
      version: info.version,
      commit: info.commit,
      node_version: info.nodeVersion,
      uptime_seconds: Math.round(process.uptime()),
    };
  }
}
