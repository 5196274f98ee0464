import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/style.css';
import { DeskApp } from './App.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DeskApp />
  </StrictMode>,
);
