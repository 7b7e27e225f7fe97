import type { AccountInfo, CloudInfo, Host } from '../../../../shared/domain'
import { HostRow } from './HostRow'

interface Props {
  hosts: Host[]
  clouds: CloudInfo[]
  accounts: AccountInfo[]
}

export function HostsTable({ hosts, clouds, accounts }: Props) {
  return (
    <div className="table-wrap">
      <table className="hosts-table" data-testid="hosts-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">IP</th>
            <th scope="col">Cloud</th>
            <th scope="col">Region</th>
            <th scope="col">Plan</th>
            <th scope="col">Age</th>
            <th scope="col" className="num">
              $/month
            </th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((host) => (
            <HostRow
              key={host.id}
              host={host}
              cloud={clouds.find((cloud) => cloud.id === host.cloud)}
              account={accounts.find((account) => account.id === host.accountId)}
            />
          ))}
        </tbody>
      </table>
    </div>
  )
}
