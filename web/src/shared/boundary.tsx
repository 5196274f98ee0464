import { Component, type ErrorInfo, type ReactNode } from 'react';

/** Catches a view's rendering error so the page shows what went wrong and a way back, never a blank screen. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, { error: Error | undefined }> {
  override state: { error: Error | undefined } = { error: undefined };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(error, info.componentStack);
  }

  override componentDidUpdate(previous: { resetKey?: string }): void {
    // Moving to another view (another address) tries again.
    if (this.state.error && previous.resetKey !== this.props.resetKey) this.setState({ error: undefined });
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="error" role="alert">
        <strong>This page could not be shown: {this.state.error.message}</strong>
        <div className="hint">
          Reload the page, or go back to the <a href="#/">start</a>. If it happens again, tell the vendor what you did.
        </div>
      </div>
    );
  }
}
