/**
 * Amazon EC2 in the host details panel: the instance and an HTTPS host's security group, in AWS's
 * words, with links into the EC2 console of the host's region. Console deep links (AWS's
 * documented console routes, as the console itself uses them):
 *   instance        https://console.aws.amazon.com/ec2/home?region=<region>#InstanceDetails:instanceId=<id>
 *   security group  https://console.aws.amazon.com/ec2/home?region=<region>#SecurityGroup:groupId=<id>
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-details.html (instance details),
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/changing-security-group.html (security groups).
 * The region-less host console.aws.amazon.com is used (it takes the region from `region=`), so
 * one host name, the manifest's console link, serves every region.
 */
import type { CloudConsole } from '../types'

const EC2_HOME = 'https://console.aws.amazon.com/ec2/home'

export const EC2_CONSOLE: CloudConsole = {
  labels: { instance: 'EC2 instance', 'security-group': 'Security group', tag: 'Tag', 'ip-address': 'Public IPv4 address' },
  // TagSpecifications of RunInstances (./index.ts tagsFor): Name, then the two tags as keys with empty values.
  instanceTags: (tags, host) => [`Name=${host.name}`, tags.app, tags.host],
  consoleUrl(resource, host) {
    const region = encodeURIComponent(host.locator.region || host.region)
    const instance = host.locator.instanceId
    if (resource.kind === 'instance') return `${EC2_HOME}?region=${region}#InstanceDetails:instanceId=${encodeURIComponent(resource.id)}`
    if (resource.kind === 'ip-address') return instance ? `${EC2_HOME}?region=${region}#InstanceDetails:instanceId=${encodeURIComponent(instance)}` : undefined
    if (resource.kind === 'security-group') return `${EC2_HOME}?region=${region}#SecurityGroup:groupId=${encodeURIComponent(resource.id)}`
    return undefined
  },
}
