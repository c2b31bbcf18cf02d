// A substation as the control room names it: its name, the id small beside it (the id alone
// where no name is known), a link to its page unless told otherwise.

import { substationHref } from '../routes.ts';
import { useSubstationNames } from '../substation-names.ts';

export function SubstationName({ id, link = true }: { id: string; link?: boolean }) {
  const { nameOf, named } = useSubstationNames();
  const label = (
    <>
      <span className="sub-name">{nameOf(id)}</span>
      {named(id) && <> <small className="muted sub-id">{id}</small></>}
    </>
  );
  return link ? <a href={substationHref(id)} data-testid="substation-name">{label}</a> : <span data-testid="substation-name">{label}</span>;
}
