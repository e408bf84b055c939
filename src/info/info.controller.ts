import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InfoDto } from './dto/info.dto.js';
import { buildInfo } from '../common/build-info.js';

@ApiTags('operations')
@Controller('info')
export class InfoController {
  @Public()
  @Get()
  @ApiOperation({ summary: 'Name, version, commit, Node.js version and uptime.' })
  @ApiOkResponse({ type: InfoDto })
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
