import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { Express } from 'express';
import compression from 'compression';
import helmet from 'helmet';
import zlib from 'node:zlib';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { answerClientErrorsAsJson } from './common/client-error.handler';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { InputShapePipe } from './common/input-shape.pipe';
import { ErrorResponseDto } from './common/openapi/error-response.dto';
import { completeOpenApiDocument } from './common/openapi/openapi-completion';
import { StrictValidationPipe } from './common/validation/strict-validation.pipe';
import { validationException } from './common/validation/validation-exception.factory';
import { assignRequestId } from './common/request-id';
import { AppConfig } from './config/app-config';
import { RealtimeIoAdapter } from './realtime/realtime-io.adapter';
import { TrustProxy, WebhookIntakeRoute } from './webhook/webhook-intake.route';

/** Builds the whole app (not yet listening). Shared by main.ts and the e2e tests. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  configureApp(app, config);
  // Socket.IO: path, CORS and the cross-instance adapter (PostgreSQL, or Redis with REDIS_URL).
  app.useWebSocketAdapter(await RealtimeIoAdapter.connect(app, config));
  // Bitrix24's form-encoded event bursts are answered before Express (see WebhookIntakeRoute).
  const express = app.getHttpAdapter().getInstance() as Express;
  app.get(WebhookIntakeRoute).attachTo(app.getHttpServer(), express.get('trust proxy fn') as TrustProxy);
  return app;
}

function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.set('query parser', 'extended');
  app.disable('x-powered-by');
  // Request id before anything that can fail (body parsing), so every error response carries it.
  app.use((req: Parameters<typeof assignRequestId>[0], res: Parameters<typeof assignRequestId>[1], next: () => void) => {
    assignRequestId(req, res);
    next();
  });
  answerClientErrorsAsJson(app.getHttpServer());
  app.use(
    helmet({
      // Swagger UI (same origin) needs inline styles and data: images; nothing else is served as HTML.
      contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'https:'], 'style-src': ["'self'", "'unsafe-inline'"] } },
      crossOriginResourcePolicy: { policy: 'same-site' },
    }),
  );
  app.enableCors({
    origin: config.cors.origins,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Content-Disposition'],
    maxAge: 600,
  });
  // Responses over 1 KB compressed as the client accepts (br, gzip, deflate): a full listing is ~750 KB of
  // JSON that branches fetch over WAN links. Brotli at quality 4: most of its gain at gzip's CPU cost.
  app.use(compression({ threshold: 1024, brotli: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } } }));
  app.use(cookieParser());
  app.useBodyParser('json', { limit: config.limits.bodyLimitBytes });
  app.useBodyParser('urlencoded', { extended: true, limit: '1mb', parameterLimit: 2000 });
  app.useGlobalPipes(
    new InputShapePipe(),
    new StrictValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: false,
      transform: true,
      stopAtFirstError: false,
      // Messages are Portuguese and name the field: each DTO decorator's own, else validationException's wording.
      dismissDefaultMessages: true,
      validationError: { target: false, value: true },
      exceptionFactory: validationException,
    }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  // No enableShutdownHooks(): main.ts drains in-flight requests before the module hooks (common/graceful-shutdown.ts).
  setupSwagger(app, config);
}

export function setupSwagger(app: INestApplication, config: AppConfig): void {
  const builder = new DocumentBuilder()
    .setTitle('Carvalima Helpdesk API')
    .setDescription(
      'Helpdesk de TI da Carvalima: chamados (deals do Bitrix24), comentários, e-mails, anexos e notificações em tempo real.\n\n' +
        'Autenticação: faça `POST /auth/login` (os cookies `access_token`/`refresh_token` são definidos) ou envie o `access_token` ' +
        'retornado como `Authorization: Bearer`; quando os dois vêm, vale o Bearer.\n\n' +
        'Erros: todo status de erro responde `ErrorResponseDto` (`statusCode`, `error`, `message`, `detail`, `errors`, `request_id`), ' +
        'com a mensagem em português nomeando o campo. Inteiros (IDs, `limit`, `offset`, `rating`) são números JSON inteiros até 2147483647; ' +
        'no path e na query, na forma decimal canônica.\n\n' +
        'No modo embutido (`npm start`), os exemplos funcionam como estão: entre como admin (matrícula `1`), abra um chamado com `POST /ticket` ' +
        '(o primeiro do emulador Bitrix24 recebe o `deal_id` 1001, o dos exemplos) e siga com comentário, e-mail e fechamento.',
    )
    .setVersion('1.0.0')
    .setLicense('Proprietário: uso interno da Carvalima', 'https://www.carvalima.com.br')
    .addServer('/', 'Este servidor')
    .addCookieAuth('access_token', { type: 'apiKey', in: 'cookie', name: 'access_token', description: 'Definido por POST /auth/login' }, 'cookie')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'O `access_token` de POST /auth/login' }, 'bearer');
  if (config.publicUrl && config.publicUrl !== '/') builder.addServer(config.publicUrl, 'PUBLIC_URL');
  for (const [name, description] of OPENAPI_TAGS) builder.addTag(name, description);
  const document = completeOpenApiDocument(SwaggerModule.createDocument(app, builder.build(), { extraModels: [ErrorResponseDto] }));
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true, withCredentials: true },
  });
}

/** Every tag of the API, in the order Swagger UI shows them. */
const OPENAPI_TAGS: [string, string][] = [
  ['Auth', 'Login por matrícula, cookies JWT com rotação do refresh token, redefinição de senha'],
  ['Users', 'Cadastro, foto de perfil, telefone e gestão de usuários (admin)'],
  ['Tickets', 'Chamados: abertura no Bitrix24, comentários, e-mails, fechamento, listagens e kanban'],
  ['Reports', 'Relatório de SLA e satisfação (admin)'],
  ['Webhook', 'Eventos de saída do Bitrix24 e reprocessamento dos que falharam (admin)'],
  ['Notifications', 'Notificações fora do SPA: assinaturas push (Web Push) dos navegadores'],
  ['Health', 'Liveness, readiness e métricas Prometheus'],
];
