/**
 * The auto-teardown settings: the default of "Delete after", and whether quitting the desktop
 * app tears every host down.
 */
import { useId } from 'react'
import type { AutoTeardownSettings as Values } from '../../../../shared/contract'
import { AUTO_TEARDOWN_CHOICES, autoTeardownLabel, type AutoTeardownChoice } from '../../../../shared/domain'
import { call, useSettings } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { useSettingsSave } from './useSettingsSave'

export function AutoTeardownSettings() {
  const id = useId()
  const settings = useSettings()
  const { values, change, error } = useSettingsSave<Values>(settings.data?.autoTeardown, (next) => call('settings:set-auto-teardown', next))
  if (!values) return null
  return (
    <div className="form" data-testid="auto-teardown-settings">
      <div className="field">
        <label htmlFor={`${id}-default`}>Default &quot;Delete after&quot; for new hosts</label>
        <select
          id={`${id}-default`}
          data-testid="settings-default-delete-after"
          value={values.defaultAfter}
         
          onChange={(event) => change({ defaultAfter: event.target.value as AutoTeardownChoice })}
        >
          {AUTO_TEARDOWN_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {autoTeardownLabel(choice)}
            </option>
          ))}
        </select>
      </div>
      <label className="checkbox">
        <input type="checkbox" data-testid="settings-teardown-on-quit" checked={values.teardownOnQuit} onChange={(event) => change({ teardownOnQuit: event.target.checked })} /> Tear down every
        host when the desktop app quits (it asks first and lists them)
      </label>
      <p className="hint">A forgotten exit server bills until someone notices. Each host shows a countdown; main tears it down on time even while the window is closed.</p>
      {error ? <ErrorMessage error={error} lead="The setting could not be saved." /> : null}
    </div>
  )
}
