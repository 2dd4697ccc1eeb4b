import { sign } from '/work/main/packages/sdk/dist/index.js'
import twilio from 'twilio'
console.log(await sign({ scheme: 'github', secret: "It's a Secret to Everybody", payload: 'Hello, World!' }))
const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
console.log(await sign({ scheme: 'slack', secret: '8f742231b10e8888abcd99yyyzzz85a5', payload: body, timestamp: 1531420618 }))
const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' }
const url = 'https://mycompany.com/myapp.php?foo=1&bar=2'
console.log(await sign({ scheme: 'twilio', secret: '12345', url, params }), twilio.getExpectedTwilioSignature('12345', url, params))
console.log(twilio.validateRequest('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params), twilio.validateRequest('12345', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', url, params))
