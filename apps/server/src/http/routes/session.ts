import {
  ErrorBody,
  LoginRequest,
  SessionInfo,
  SetupRequest,
  UpdateMeRequest,
  User,
} from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { clientKey } from '../../core/client-key.ts';
import { deleteSession } from '../../db/repos/sessions.ts';
import { updateProfile } from '../../workspaces/profile.ts';
import { setUpInstance } from '../../workspaces/setup.ts';
import { checkPassword } from '../../workspaces/sign-in.ts';
import { SESSION_COOKIE, requireUser } from '../plugins/auth.ts';
import { sessionHelpers, toUser } from '../session-helpers.ts';
import type { HttpDeps } from '../deps.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 429: ErrorBody };

export const sessionRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  const { sessionInfo, signIn } = sessionHelpers(deps);

  app.get(
    '/api/v1/auth/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Who is signed in, and the CSRF token to send back',
        response: { 200: SessionInfo },
      },
    },
    async (req) => sessionInfo(req),
  );

  app.post(
    '/api/v1/setup',
    {
      schema: {
        tags: ['session'],
        summary: 'First start: create the owner and the first workspace',
        body: SetupRequest,
        response: { 201: SessionInfo, ...errors },
      },
    },
    async (req, reply) => {
      // The form names the owner's language: its refusals (a weak password) are worded in it.
      req.statedLocale = req.body.locale ?? null;
      const userId = await setUpInstance(db, req.body, { client: clientKey(req.ip) });
      reply.status(201);
      return signIn(req, reply, userId);
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign in with email and password',
        body: LoginRequest,
        response: { 200: SessionInfo, ...errors },
      },
    },
    async (req, reply) => {
      const user = await checkPassword(db, clientKey(req.ip), req.body.email, req.body.password);
      if (!user)
        throw new AppError('invalid_credentials', {
          en: 'The email or password is incorrect.',
          fr: 'L’adresse e-mail ou le mot de passe est incorrect.',
        });
      return signIn(req, reply, user.id);
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign out (ends the session on the server)',
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      if (req.session) await deleteSession(db, req.session.tokenHash);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/api/v1/me',
    {
      schema: {
        tags: ['session'],
        summary: 'Change your name or language',
        body: UpdateMeRequest,
        response: { 200: User, ...errors },
      },
    },
    async (req) => {
      const session = requireUser(req);
      return toUser(await updateProfile(db, session.user.id, req.body));
    },
  );
};
