// The global setup: one hub for every test of the run (bin/cityhub on a free port, a temporary
// data directory, the demo district and accounts), an Open311 api key made with the CLI; its
// address and key reach the tests through the environment. The function it returns is the
// teardown: the hub stops and its data directory (or database) is removed.

import { Hub } from './hub'

export default async function globalSetup() {
  const hub = await Hub.start()
  process.env.CITYHUB_E2E_URL = hub.url
  process.env.CITYHUB_E2E_DATA = hub.dataDir
  process.env.CITYHUB_E2E_DB = hub.db
  process.env.CITYHUB_E2E_APIKEY = await hub.apiKey('e2e')
  return async () => {
    await hub.stop()
  }
}
