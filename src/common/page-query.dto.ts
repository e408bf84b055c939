// The cursor of every cursor-paginated list query; each list adds its own `limit` (IsPageLimit) beside it.
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsPageCursor } from './validation.js';

export class CursorPageQueryDto {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsPageCursor()
  cursor?: string;
}
