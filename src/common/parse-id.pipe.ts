import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** A positive integer path or query ID; anything else is a 400 naming the parameter. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  constructor(private readonly name: string) {}

  transform(value: string): number {
    const id = /^\d{1,10}$/.test(String(value)) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) {
      throw new BadRequestException(`${this.name}: deve ser um número inteiro positivo`);
    }
    return id;
  }
}
