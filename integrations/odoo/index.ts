/** Odoo 16-19 as invsync's ERP: `createOdooAdapter(cfg.erp, deps)`. */
export { createOdooAdapter, DEFAULT_PAGE_SIZE, type OdooConfig, type OdooDeps } from './adapter';
