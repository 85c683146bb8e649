import { emlFileName } from './mail.service';

describe('emlFileName', () => {
  const at = new Date('2026-12-02T05:43:26.123Z');

  it('keeps the Message-ID with its @, without the angle brackets', () => {
    expect(emlFileName('<4f1c2a9e-77b1-4a0e-9c1d-2b9f0e6a1d3c@carvalima.test>', at)).toBe(
      '2026-12-02T05-43-26-123Z-4f1c2a9e-77b1-4a0e-9c1d-2b9f0e6a1d3c@carvalima.test.eml',
    );
  });

  it('drops what a file name must not contain', () => {
    expect(emlFileName('<../../etc/passwd\u0000:*?"|@x>', at)).toBe('2026-12-02T05-43-26-123Z-....etcpasswd@x.eml');
  });
});
