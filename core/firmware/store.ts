// The firmware store: images by their SHA-256, behind one interface. The embedded default keeps them in the
// data directory; FIRMWARE_STORE=database keeps them in PostgreSQL (FirmwareImage), for platforms whose API
// processes share no disk. An image with a known hash is stored once, whichever firmwares refer to it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../../db/client';

export interface FirmwareStore {
  /** Stores the image under its hash; false when an image with that hash was there already. */
  put(sha256: string, content: Buffer): Promise<boolean>;
  /** The image, or null when the store does not hold it. */
  get(sha256: string): Promise<Buffer | null>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Where the images are, for start-up messages. */
  readonly description: string;
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function checkHash(sha256: string): void {
  // The hash names a file: nothing but 64 hex digits may reach the file system.
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a SHA-256 in hex: ${sha256.slice(0, 80)}`);
}

export class DirectoryFirmwareStore implements FirmwareStore {
  constructor(readonly directory: string) {}

  get description(): string {
    return `directory ${this.directory}`;
  }

  private fileOf(sha256: string): string {
    checkHash(sha256);
    return path.join(this.directory, sha256);
  }

  async put(sha256: string, content: Buffer): Promise<boolean> {
    const file = this.fileOf(sha256);
    if (await this.has(sha256)) return false;
    await fs.promises.mkdir(this.directory, { recursive: true });
    // Written aside and renamed: a reader never sees half an image, and two uploads of one image both end well.
    const temporary = `${file}.${process.pid}.${Date.now()}.partial`;
    await fs.promises.writeFile(temporary, content, { mode: 0o600 });
    await fs.promises.rename(temporary, file);
    return true;
  }

  async get(sha256: string): Promise<Buffer | null> {
    try {
      return await fs.promises.readFile(this.fileOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.promises.access(this.fileOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<void> {
    await fs.promises.rm(this.fileOf(sha256), { force: true });
  }
}

export class DatabaseFirmwareStore implements FirmwareStore {
  readonly description = 'database (FirmwareImage)';

  constructor(private readonly prisma: PrismaClient) {}

  async put(sha256: string, content: Buffer): Promise<boolean> {
    checkHash(sha256);
    const created = await this.prisma.firmwareImage.createMany({
      data: [{ sha256, content: new Uint8Array(content), sizeBytes: content.length }],
      skipDuplicates: true,
    });
    return created.count === 1;
  }

  async get(sha256: string): Promise<Buffer | null> {
    checkHash(sha256);
    const row = await this.prisma.firmwareImage.findUnique({ where: { sha256 }, select: { content: true } });
    return row ? Buffer.from(row.content) : null;
  }

  async has(sha256: string): Promise<boolean> {
    checkHash(sha256);
    return (await this.prisma.firmwareImage.count({ where: { sha256 } })) > 0;
  }

  async delete(sha256: string): Promise<void> {
    checkHash(sha256);
    await this.prisma.firmwareImage.deleteMany({ where: { sha256 } });
  }
}
