// The Admin contract: every OSGP Admin operation (and API key management) is there under its operationId,
// each route declares its refusals and a summary, and input validation names the field.
import { platformContract } from '../../../api/contract';
import { buildOpenApiDocument } from '../../../api/openapi';

const admin = platformContract.admin;

function fieldsOf(result: { success: boolean; error?: { issues: Array<{ path: Array<string | number> }> } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('admin contract', () => {
  const document = buildOpenApiDocument();
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, { operationId?: string; summary?: string; responses: Record<string, unknown> }>).map(
      ([method, op]) => ({ path, method, ...op }),
    ),
  );
  const adminOperations = operations.filter((op) => op.operationId?.startsWith('admin.'));

  test('has every operation of the Admin domain, and API key management', () => {
    expect(adminOperations.map((op) => op.operationId).sort()).toEqual(
      [
        'activateOrganisation',
        'changeOrganisation',
        'createApiKey',
        'createOrganisation',
        'findAllOrganisations',
        'findApiKeys',
        'findDeviceAuthorisations',
        'findDevicesWhichHaveNoOwner',
        'findMessageLogs',
        'findOrganisation',
        'getProtocolInfos',
        'removeDevice',
        'removeOrganisation',
        'revokeApiKey',
        'revokeKey',
        'setCommunicationNetworkInformation',
        'setOwner',
        'updateDeviceAuthorisations',
        'updateDeviceProtocol',
        'updateKey',
      ]
        .map((name) => `admin.${name}`)
        .sort(),
    );
  });

  test.each(Object.entries(admin))('%s is under /v1/admin, has a summary and declares 400, 401 and 403', (_name, route) => {
    expect(route.path.startsWith('/v1/admin/')).toBe(true);
    expect(route.summary).toBeTruthy();
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
  });

  test('routes with an identification in the path declare 404', () => {
    for (const route of Object.values(admin)) {
      if (route.path.includes(':')) expect(Object.keys(route.responses)).toContain('404');
    }
  });
});

describe('admin input validation', () => {
  test.each([
    ['findAllOrganisations limit 0', admin.findAllOrganisations.query, { limit: '0' }, 'limit'],
    ['findMessageLogs a from that is no date-time', admin.findMessageLogs.query, { from: 'yesterday' }, 'from'],
    ['findMessageLogs a cursor that is no id', admin.findMessageLogs.query, { after: '-1' }, 'after'],
    ['changeOrganisation an empty name', admin.changeOrganisation.body, { name: '', platformFunctionGroup: 'USER' }, 'name'],
    ['changeOrganisation an unknown group', admin.changeOrganisation.body, { name: 'x', platformFunctionGroup: 'ROOT' }, 'platformFunctionGroup'],
    ['activateOrganisation no enabled', admin.activateOrganisation.body, {}, 'enabled'],
    ['setOwner an identification with a space', admin.setOwner.body, { organisationIdentification: 'a b' }, 'organisationIdentification'],
    ['updateKey a key that is not PEM', admin.updateKey.body, { publicKey: 'abc' }, 'publicKey'],
    ['updateDeviceProtocol an unknown protocol', admin.updateDeviceProtocol.body, { protocol: 'MODBUS', protocolVersion: '1' }, 'protocol'],
    ['createApiKey a blank label', admin.createApiKey.body, { label: '  ' }, 'label'],
    [
      'updateDeviceAuthorisations OWNER',
      admin.updateDeviceAuthorisations.body,
      { authorisations: [{ deviceIdentification: 'D', organisationIdentification: 'O', functionGroup: 'OWNER' }] },
      'authorisations.0.functionGroup',
    ],
  ])('refuses %s, naming %s', (_case, schema, input, field) => {
    expect(fieldsOf(schema.safeParse(input))).toContain(field);
  });

  test('revokeApiKey takes a key id of 16 hex digits', () => {
    const path = admin.revokeApiKey.pathParams;
    expect(path.safeParse({ apiKeyId: '0123456789abcdef' }).success).toBe(true);
    expect(fieldsOf(path.safeParse({ apiKeyId: 'osgp_0123' }))).toContain('apiKeyId');
  });
});
