import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Lets a schema carry its documentation (`.openapi(...)`): the generated OpenAPI and AsyncAPI
// documents are made from the same schemas that validate. Parsing is unchanged.
extendZodWithOpenApi(z);

export { z };
