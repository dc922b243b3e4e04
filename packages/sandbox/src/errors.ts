/** The image reference is not one the sandbox knows how to run (Azure: InaccessibleImage; kube: ErrImagePull). */
export class ImagePullError extends Error {
  readonly image: string;
  constructor(image: string) {
    super(
      `The sandbox cannot pull image '${image}': no entry of its images map matches it. ` +
        'Add one with startSandbox({ images: { "<pattern>": { command: [...] } } }).',
    );
    this.name = 'ImagePullError';
    this.image = image;
  }
}
