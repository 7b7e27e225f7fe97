/**
 * AWS EC2: adapter -> fault proxy (AWS's own error shapes, XML for the Query protocol) -> the
 * stateful fake (instances, security groups; SigV4 checked). The proxy keeps the client's Host
 * header, because SigV4 signs it and the fake checks the signature.
 */
import { randomUUID } from 'node:crypto'
import { createEc2Provisioner } from '../../../src/main/clouds/ec2'
import { startFakeEc2 } from '../../fakes/ec2'
import { startFaultProxy, type CannedAnswer, type ProviderShape, type ProxiedRequest } from '../../support/fault-proxy'
import { actionOf, hostOf, type CloudModule } from './types'

const xml = (status: number, text: string): CannedAnswer => ({ status, contentType: 'text/xml;charset=UTF-8', body: `<?xml version="1.0" encoding="UTF-8"?>\n${text}` })
const isSsm = (request: ProxiedRequest): boolean => typeof request.headers?.['x-amz-target'] === 'string'
const isSts = (request: ProxiedRequest): boolean => actionOf(request) === 'GetCallerIdentity'

/**
 * EC2 throttling is HTTP 503 `RequestLimitExceeded` in `<Response><Errors><Error>` (docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
 * throttling: …/ec2/latest/devguide/ec2-api-throttling.html); STS answers `<ErrorResponse>`
 * (Throttling, 400); SSM is a JSON protocol (`__type` ThrottlingException, 400).
 */
export function ec2Shape(): ProviderShape {
  return {
    name: 'ec2',
    rateLimited: ({ request }) => {
      if (isSsm(request)) return { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) }
      if (isSts(request)) return xml(400, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`)
      return xml(503, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`)
    },
    serverError: ({ request }) => {
      if (isSsm(request)) return { status: 500, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'InternalServerError', message: 'An internal error occurred.' }) }
      if (isSts(request)) return xml(500, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>An internal error occurred.</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`)
      return xml(500, `<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred.</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`)
    },
    createdId: (body) => /<(?:instanceId|groupId)>([^<]+)</.exec(body.toString('utf8'))?.[1],
  }
}

const action = (name: string) => (request: ProxiedRequest) => actionOf(request) === name

export const ec2: CloudModule = {
  cloud: 'ec2',
  // The SDK's own deadline; long enough that a busy 2-core machine answers the rest.
  soakTimeoutMs: 1_000,
  // Every Query call is a POST: the changing ones are those not named Describe…/Get….
  changes: (request) => !/^(Describe|Get)|GetParameter/.test(actionOf(request) ?? 'Describe'),
  provisioner: ({ timeoutMs }) => createEc2Provisioner({ timeoutMs }),
  killPoints: [
    { name: 'create: RunInstances carried out, answer lost', mode: 'tcp', phase: 'create', when: 'after', matches: action('RunInstances') },
    { name: 'HTTPS create: between the security group step and RunInstances', mode: 'https', phase: 'create', when: 'before', matches: action('RunInstances') },
    { name: 'HTTPS create: security group made, answer lost', mode: 'https', phase: 'create', when: 'after', matches: action('CreateSecurityGroup') },
    { name: 'HTTPS create: ingress rules added, answer lost', mode: 'https', phase: 'create', when: 'after', matches: action('AuthorizeSecurityGroupIngress') },
    { name: 'teardown: TerminateInstances accepted, answer lost', mode: 'https', phase: 'teardown', when: 'after', matches: action('TerminateInstances') },
    { name: 'teardown: instance terminated, before DeleteSecurityGroup', mode: 'https', phase: 'teardown', when: 'before', matches: action('DeleteSecurityGroup') },
  ],
  async start({ seed, clock, intercept, weights }) {
    const fake = await startFakeEc2({ clock, runAfterMs: 4_000, terminateAfterMs: 3_000, releaseAfterMs: 1_000 })
    const proxy = await startFaultProxy({ target: fake.url, seed, clock, intercept, weights, shape: ec2Shape(), preserveHost: true, giveUpMs: 3_000 })
    return {
      cloud: 'ec2',
      region: 'us-east-1',
      plan: 't4g.nano',
      proxy,
      account: { cloud: 'ec2', label: 'Soak', endpoint: proxy.url, credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey } },
      env: {},
      // Terminated instances stay in the fake's state for an hour: each is counted once, by id.
      instances: () => [...fake.state.instances.values()].map((instance) => ({ id: instance.id, host: hostOf(instance.tags.keys()) })),
      firewalls: () => [...fake.state.groups.values()].map((g) => ({ id: g.id, host: hostOf([g.name, ...g.tags.keys()]) })),
      async leftovers() {
        const live = fake.liveInstances()
        const groups = [...fake.state.groups.values()]
        return {
          instances: live.length,
          firewalls: groups.length,
          tags: 0, // EC2 tags live on the resources
          others: 0, // the public IPv4 and the root volume go with the instance (no Elastic IP, DeleteOnTermination)
          detail: [...live.map((i) => `instance ${i.id} ${i.state} [${[...i.tags.keys()].join(' ')}]`), ...groups.map((g) => `security group ${g.id} ${g.name} [${[...g.tags.keys()].join(' ')}]`)],
        }
      },
      // The fake enforces no request rate; its 503 RequestLimitExceeded comes only from injected rules.
      providerRateLimited: () => 0,
      limitsEnforced: 'none',
      async close() {
        await proxy.close()
        await fake.close()
      },
    }
  },
}
