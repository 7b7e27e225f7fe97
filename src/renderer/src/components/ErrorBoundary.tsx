import { Component, type ErrorInfo, type ReactNode } from 'react'
import { errorSentence } from '../lib/api-error'

interface Props {
  children: ReactNode
  /** What this boundary guards, e.g. "host table": named in the sentence. */
  what?: string
}

interface State {
  failed: boolean
  error: unknown
}

/** Shows a sentence instead of a blank window (or a stack trace) when rendering fails. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false, error: undefined }

  static getDerivedStateFromError(error: unknown): State {
    return { failed: true, error }
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Exitdesk: rendering failed', error, info.componentStack)
  }

  private readonly retry = (): void => {
    this.setState({ failed: false, error: undefined })
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children
    const lead = this.props.what ? `The ${this.props.what} could not be shown.` : 'Exitdesk could not show this window.'
    return (
      <div className="banner banner-error" role="alert" data-testid="error-banner">
        <p>
          {lead} {errorSentence(this.state.error)}
        </p>
        <button type="button" className="button" onClick={this.retry}>
          Try again
        </button>
      </div>
    )
  }
}
