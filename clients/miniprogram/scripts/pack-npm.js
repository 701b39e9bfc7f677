// Builds miniprogram_npm/ from node_modules with miniprogram-ci's packNpmManually, as WeChat
// DevTools' 工具 -> 构建 npm does (project.config.json sets packNpmManually and the same
// relation), so the simulator tests and DevTools resolve the TDesign components the same way.
// No AppID, private key or network is needed.
const path = require('path')
const fs = require('fs')
const ci = require('miniprogram-ci')

const root = path.resolve(__dirname, '..')

async function main() {
  fs.rmSync(path.join(root, 'miniprogram_npm'), { recursive: true, force: true })
  const result = await ci.packNpmManually({
    packageJsonPath: path.join(root, 'package.json'),
    miniprogramNpmDistDir: root,
  })
  const dir = path.join(root, 'miniprogram_npm', 'tdesign-miniprogram')
  if (!fs.existsSync(path.join(dir, 'button', 'button.json'))) {
    throw new Error('packNpm did not produce miniprogram_npm/tdesign-miniprogram')
  }
  console.log('miniprogram_npm built:', JSON.stringify(result && result.miniProgramPackNum !== undefined ? result : 'ok'))
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
