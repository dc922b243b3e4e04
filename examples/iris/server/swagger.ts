// The OpenAPI 2 document served at GET /swagger.json, as the Azure ML inference server does.
import type { LoadedModel } from './model-source.ts';

export function swaggerDocument(loaded: LoadedModel, keyAuth: boolean): Record<string, unknown> {
  const { model } = loaded;
  const row = {
    type: 'array',
    minItems: model.features.length,
    maxItems: model.features.length,
    items: { type: 'number' },
  };
  return {
    swagger: '2.0',
    info: {
      title: `${loaded.name} scoring service`,
      description: `Classifies iris flowers from ${model.features.join(', ')} (centimetres).`,
      version: loaded.version,
    },
    schemes: ['http', 'https'],
    consumes: ['application/json'],
    produces: ['application/json'],
    ...(keyAuth
      ? {
          securityDefinitions: {
            Bearer: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'Bearer <key>' },
          },
        }
      : {}),
    paths: {
      '/': {
        get: {
          operationId: 'ServiceHealthCheck',
          description: 'Simple health check endpoint to ensure the service is up at any given point.',
          produces: ['text/plain'],
          responses: {
            '200': { description: 'The service is up.', schema: { type: 'string', example: 'Healthy' } },
          },
        },
      },
      '/score': {
        post: {
          operationId: 'RunMLService',
          description: 'Run the model on the input rows.',
          ...(keyAuth ? { security: [{ Bearer: [] }] } : {}),
          parameters: [
            {
              name: 'serviceInputPayload',
              in: 'body',
              required: true,
              schema: { $ref: '#/definitions/ServiceInput' },
            },
          ],
          responses: {
            '200': {
              description: 'Predicted classes and probabilities.',
              schema: { $ref: '#/definitions/ServiceOutput' },
            },
            '400': {
              description: 'The input is not valid; the message says what to fix.',
              schema: { $ref: '#/definitions/ErrorResponse' },
            },
            '401': {
              description: 'A key is required: Authorization: Bearer <key>.',
              schema: { $ref: '#/definitions/ErrorResponse' },
            },
            default: { description: 'Failed to score.', schema: { $ref: '#/definitions/ErrorResponse' } },
          },
        },
      },
    },
    definitions: {
      ServiceInput: {
        type: 'object',
        required: ['data'],
        properties: {
          data: { type: 'array', items: row, description: `Rows of [${model.features.join(', ')}].` },
        },
        example: { data: [[5.1, 3.5, 1.4, 0.2]] },
      },
      ServiceOutput: {
        type: 'object',
        properties: {
          result: { type: 'array', items: { type: 'string', enum: model.classes } },
          probabilities: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
          classes: { type: 'array', items: { type: 'string' } },
        },
        example: { result: ['setosa'], probabilities: [[0.98, 0.02, 0]], classes: model.classes },
      },
      ErrorResponse: { type: 'object', properties: { error: { type: 'string' } } },
    },
  };
}
