import Stripe from 'stripe'
const s = new Stripe('sk_test_123')
const h = s.webhooks.generateTestHeaderString({ payload: '{"id":"evt_1"}', secret: 'whsec_abc' })
console.log(h, typeof Stripe.webhooks, Object.keys(Stripe).slice(0,20))
console.log(s.webhooks.constructEvent('{"id":"evt_1"}', h, 'whsec_abc'))
try { s.webhooks.constructEvent('{"id":"evt_1"}', h, 'whsec_abcd') } catch (e) { console.log(e.type, e.message) }
