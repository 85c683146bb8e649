import { Controller, ForbiddenException, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/decorators/public.decorator';
import { StorageDriver } from './storage.driver';
import { LocalStorageDriver } from './local-storage.driver';

/** Serves presigned URLs of the local-disk driver (embedded default). Absent with the S3 driver. */
@ApiExcludeController()
@Controller('files')
export class FilesController {
  constructor(private readonly driver: StorageDriver) {}

  @Public()
  @Get('*key')
  async download(
    @Param('key') keyParts: string[] | string,
    @Query('expires') expires: string,
    @Query('signature') signature: string,
    @Res() res: Response,
  ): Promise<void> {
    if (!(this.driver instanceof LocalStorageDriver)) throw new NotFoundException();
    const key = Array.isArray(keyParts) ? keyParts.join('/') : keyParts;
    if (!this.driver.verify(key, Number(expires), String(signature ?? ''))) {
      throw new ForbiddenException('URL assinada inválida ou expirada');
    }
    const body = await this.driver.get(key).catch(() => {
      throw new NotFoundException('Arquivo não encontrado');
    });
    const filename = key.split('/').pop() ?? 'arquivo';
    res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(filename)}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type('application/octet-stream').send(body);
  }
}
