/**
 * Webhook URLs whose port Node's fetch always refuses (the Fetch standard's blocked ports) are refused when
 * the webhook is set, since no notification could ever reach them.
 */
import { coreEventsContract } from '../../../api/contracts/core-events';
import { fetchBlockedPorts, fetchRefusesPort } from '../../../common/fetch-ports';

const body = coreEventsContract.setNotificationWebhook.body;
const secret = 'a-secret-of-16-characters';

test("Node's fetch refuses every port of the list without connecting", async () => {
  for (const port of fetchBlockedPorts) {
    const failure = await fetch(`http://127.0.0.1:${port}/hook`).then(
      () => undefined,
      (error: unknown) => error as Error & { cause?: Error },
    );
    expect({ port, cause: failure?.cause?.message }).toEqual({ port, cause: 'bad port' });
  }
});

test('setNotificationWebhook refuses a URL naming a blocked port and takes others, default ports included', () => {
  for (const url of ['http://hooks.example:25/osgp', 'https://hooks.example:6000/', 'http://127.0.0.1:10080/x']) {
    const parsed = body.safeParse({ url, secret });
    expect({ url, success: parsed.success }).toEqual({ url, success: false });
    expect(parsed.error?.issues[0]?.path).toEqual(['url']);
  }
  for (const url of ['http://hooks.example/osgp', 'https://hooks.example/', 'http://127.0.0.1:8080/x', 'http://hooks.example:2525/']) {
    expect({ url, success: body.safeParse({ url, secret }).success }).toEqual({ url, success: true });
  }
  expect(fetchRefusesPort('not a url')).toBe(false);
});
