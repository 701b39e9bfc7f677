// Fails when src/api/schema.d.ts is not what openapi-typescript makes of api/openapi.yaml now:
// the console's types must not drift from the server's contract (`npm run gen:api` to update).
import { execFileSync } from 'node:child_process'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = mkdtempSync(join(tmpdir(), 'wz-api-'))
try {
  const out = join(dir, 'schema.d.ts')
  execFileSync(join(root, 'node_modules/.bin/openapi-typescript'),
    [join(root, '../../api/openapi.yaml'), '-o', out], { stdio: ['ignore', 'ignore', 'inherit'] })
  const fresh = readFileSync(out, 'utf8')
  const committed = readFileSync(join(root, 'src/api/schema.d.ts'), 'utf8')
  if (fresh !== committed) {
    console.error('src/api/schema.d.ts is out of date with api/openapi.yaml: run `npm run gen:api` and commit it')
    process.exit(1)
  }
  console.log('api types match api/openapi.yaml')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
