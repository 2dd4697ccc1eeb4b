import { Webhook } from 'standardwebhooks'
import { generateKeyPair, generateSecret, sign, verify } from '/work/main/packages/sdk/dist/index.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const payload = '{"test": 2432232314}'
const h = await sign({
  scheme: 'standard-webhooks',
  secret,
  payload,
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
})
console.log(h)
const wh = new Webhook(secret)
console.log(wh.sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330000), payload))
const now = await sign({ scheme: 'standard-webhooks', secret: [secret, generateSecret()], payload })
console.log(wh.verify(payload, now))
console.log(await verify({ scheme: 'standard-webhooks', secret, payload, headers: h, now: 1614265330 }))
const kp = await generateKeyPair()
console.log(kp)
const h2 = await sign({ scheme: 'standard-webhooks', secret: [kp.secretKey, secret], payload })
console.log(h2, await verify({ scheme: 'standard-webhooks', secret: kp.publicKey, payload, headers: h2 }))
try {
  await verify({ scheme: 'standard-webhooks', secret: generateSecret(), payload, headers: h2 })
} catch (e) {
  console.log(e.code, e.message, e.status)
}
// perf
let t = performance.now()
const N = 20000
const body = JSON.stringify({ id: 'evt_1', type: 'order.shipped', data: { x: 'y'.repeat(500) } })
await Promise.all(
  Array.from({ length: N }, (_, i) =>
    sign({
      scheme: 'standard-webhooks',
      secret: [secret, 'whsec_old0MfKQ9r8GKYqrTwjUPD8ILPZIo2La'],
      payload: body,
      id: `evt_${i}`,
      timestamp: 1700000000,
    }),
  ),
)
console.log('signs/s', N / ((performance.now() - t) / 1000))
t = performance.now()
for (let i = 0; i < N; i++)
  await sign({ scheme: 'standard-webhooks', secret: [secret], payload: body, id: `evt_${i}` })
console.log('sequential signs/s', N / ((performance.now() - t) / 1000))
