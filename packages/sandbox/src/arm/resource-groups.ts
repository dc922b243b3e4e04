export interface ResourceGroup {
  name: string;
  location: string;
  tags?: Record<string, string>;
}

/** Resource groups by subscription; names compare case-insensitively as in ARM. */
export class ResourceGroups {
  #bySub = new Map<string, Map<string, ResourceGroup>>();

  #groups(sub: string) {
    let m = this.#bySub.get(sub.toLowerCase());
    if (!m) {
      m = new Map();
      this.#bySub.set(sub.toLowerCase(), m);
    }
    return m;
  }

  get(sub: string, name: string): ResourceGroup | undefined {
    return this.#groups(sub).get(name.toLowerCase());
  }

  put(sub: string, rg: ResourceGroup): { created: boolean; rg: ResourceGroup } {
    const m = this.#groups(sub);
    const existing = m.get(rg.name.toLowerCase());
    // The first spelling wins, and a group never moves (ARM: InvalidResourceGroupLocation).
    const value = existing ? { ...existing, tags: rg.tags ?? existing.tags } : rg;
    m.set(rg.name.toLowerCase(), value);
    return { created: !existing, rg: value };
  }

  delete(sub: string, name: string): boolean {
    return this.#groups(sub).delete(name.toLowerCase());
  }

  list(sub: string): ResourceGroup[] {
    return [...this.#groups(sub).values()];
  }

  toArm(sub: string, rg: ResourceGroup) {
    return {
      id: `/subscriptions/${sub}/resourceGroups/${rg.name}`,
      name: rg.name,
      type: 'Microsoft.Resources/resourceGroups',
      location: rg.location,
      ...(rg.tags ? { tags: rg.tags } : {}),
      properties: { provisioningState: 'Succeeded' },
    };
  }
}
