import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { onPremiseSchema } from '../schema/onprem.js';
import { releases, type Release } from './releases.js';

/**
 * Writes the vendor's kernel store: one folder per on-premise release (application files and
 * a module -> version manifest) and the update feed that lists what follows the base release.
 *
 *   kernel/releases/<version>/release.json   modules, file list with SHA-256
 *   kernel/releases/<version>/files/...      the application tree
 *   kernel/releases/<base>/schema.json       the on-premise structure of the base release
 *   kernel/feed.json                         releases after the base, with their module updates
 */
export interface KernelFile {
  readonly path: string;
  readonly content: string;
}

export function kernelFiles(release: Release): KernelFile[] {
  const files: KernelFile[] = [
    { path: 'index.php', content: `<?php\nrequire $_SERVER['DOCUMENT_ROOT'] . '/bitrix/header.php';\n// on-premise release ${release.version}\n` },
    { path: 'bitrix/.settings.php', content: "<?php\nreturn [\n  'connections' => ['value' => ['default' => ['host' => 'localhost']]],\n  'crypto' => ['value' => ['crypto_key' => '']],\n];\n" },
    { path: 'bitrix/license_key.php', content: "<?php $LICENSE_KEY = '';\n" },
    { path: 'bitrix/php_interface/dbconn.php', content: "<?php\ndefine('BX_UTF', true);\ndefine('BX_FILE_PERMISSIONS', 0644);\n" },
  ];
  for (const [module, version] of Object.entries(release.modules)) {
    const base = `bitrix/modules/${module}`;
    files.push(
      { path: `${base}/install/version.php`, content: `<?php\n$arModuleVersion = ['VERSION' => '${version}', 'VERSION_DATE' => '${release.date} 00:00:00'];\n` },
      { path: `${base}/include.php`, content: `<?php\n\\Bitrix\\Main\\Loader::registerAutoLoadClasses('${module}', []);\n` },
      { path: `${base}/lib/service.php`, content: `<?php\nnamespace Bitrix\\${capitalize(module)};\n\nfinal class Service\n{\n  public const VERSION = '${version}';\n}\n` },
      { path: `${base}/lang/de/install/index.php`, content: `<?php\n$MESS['${module.toUpperCase()}_MODULE_NAME'] = 'Modul ${module} — Größe, Übersicht';\n` },
    );
  }
  return files;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export async function writeKernelStore(kernelDir: string): Promise<void> {
  for (const release of releases) {
    const dir = path.join(kernelDir, 'releases', release.version);
    const files = kernelFiles(release);
    for (const file of files) {
      const target = path.join(dir, 'files', file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    const manifest = {
      version: release.version,
      date: release.date,
      modules: release.modules,
      files: files.map((f) => ({ path: f.path, size: Buffer.byteLength(f.content), sha256: createHash('sha256').update(f.content).digest('hex') })),
    };
    await writeFile(path.join(dir, 'release.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
  const [base, ...later] = releases;
  if (!base) throw new Error('no kernel releases defined');
  await writeFile(path.join(kernelDir, 'releases', base.version, 'schema.json'), JSON.stringify(onPremiseSchema(), null, 2) + '\n');
  const feed = { base: base.version, releases: later.map((r) => ({ version: r.version, date: r.date, modules: r.modules, updates: r.updates })) };
  await writeFile(path.join(kernelDir, 'feed.json'), JSON.stringify(feed, null, 2) + '\n');
}
