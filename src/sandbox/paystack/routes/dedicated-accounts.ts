/** `/customer` and `/dedicated_account`: the two-step dedicated virtual account flow (rails-notes A3). */
import type { FastifyInstance } from 'fastify';
import type { DoubleContext } from '../context.js';
import { bodyOf, objectOf, ok, optionalText, refuse, requiredText } from '../http.js';
import { assignDedicatedAccount, upsertCustomer } from '../operations.js';
import type { Customer } from '../state.js';
import { customerCreatedView, dedicatedAccountView } from '../views.js';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_PATTERN = /^\+?[0-9]{7,15}$/;

function customerByCodeOrId(ctx: DoubleContext, value: string): Customer | undefined {
  if (/^[0-9]{1,16}$/.test(value)) return ctx.state.customers.get(Number(value));
  return ctx.state.customerByCode(value);
}

export async function dedicatedAccountRoutes(app: FastifyInstance, ctx: DoubleContext): Promise<void> {
  app.post('/customer', async (request) => {
    const body = bodyOf(request);
    const email = requiredText(body.email, 'email');
    if (!EMAIL_PATTERN.test(email))
      refuse(400, 'Invalid Email Address Passed', {
        type: 'validation_error',
        code: 'invalid_email_address',
      });
    const phone = optionalText(body.phone, 'phone', 20);
    if (phone !== undefined && !PHONE_PATTERN.test(phone))
      refuse(400, 'Invalid phone number', { type: 'validation_error', code: 'invalid_params' });
    // The spec types metadata as stringified JSON; live also takes an object.
    const metadata = body.metadata === undefined ? undefined : objectOf(body.metadata);
    if (metadata === null)
      refuse(400, 'metadata must be a JSON object', { type: 'validation_error', code: 'invalid_params' });
    const customer = upsertCustomer(ctx, {
      email,
      firstName: optionalText(body.first_name, 'first_name'),
      lastName: optionalText(body.last_name, 'last_name'),
      phone,
      metadata,
    });
    return ok('Customer created', customerCreatedView(customer, ctx.settings.domain));
  });

  app.post('/dedicated_account', async (request) => {
    const body = bodyOf(request);
    const reference = typeof body.customer === 'number' ? String(body.customer) : body.customer;
    const customer = customerByCodeOrId(ctx, requiredText(reference, 'customer'));
    if (customer === undefined) refuse(404, 'Customer not found');
    const account = assignDedicatedAccount(
      ctx,
      customer,
      optionalText(body.preferred_bank, 'preferred_bank'),
    );
    return ok('NUBAN successfully created', dedicatedAccountView(ctx.state, account));
  });

  app.get<{ Params: { id: string } }>('/dedicated_account/:id', async (request) => {
    const id = request.params.id;
    const account = /^[0-9]{1,16}$/.test(id) ? ctx.state.dedicatedAccounts.get(Number(id)) : undefined;
    if (account === undefined) refuse(404, 'Dedicated account not found');
    return ok('Customer retrieved', dedicatedAccountView(ctx.state, account));
  });
}
