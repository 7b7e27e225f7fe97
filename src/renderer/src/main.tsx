import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClientProvider } from '@tanstack/react-query'
import { createQueryClient } from './api'
import { App } from './App'
import { ErrorBoundary } from './components/ErrorBoundary'
import { applyTheme } from './browser/theme'
import './styles.css'

const container = document.getElementById('root')
if (!container) throw new Error('Exitdesk: the page has no #root element')

// Before the first paint: the window opens in the right theme, never flashing the other.
applyTheme()

const queryClient = createQueryClient()

createRoot(container).render(
  <StrictMode>
    <ErrorBoundary>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </ErrorBoundary>
  </StrictMode>,
)
